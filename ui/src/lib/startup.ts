import { commands, type UiStage } from "../bindings";

const told = new Set<UiStage>();

/**
 * Tells Rust, once per start, that `stage` is on screen: the app logs the time since its
 * process started, which `make bench` reads. Nothing depends on the answer.
 */
export function tellPainted(stage: UiStage): void {
  if (told.has(stage)) return;
  told.add(stage);
  // After the frame that shows it, not when React has merely committed it.
  requestAnimationFrame(() => {
    commands.uiReady(stage).catch(() => {});
  });
}
