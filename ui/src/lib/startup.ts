import { commands, type UiStage } from "../bindings";

const told = new Set<UiStage>();
const painted = new Set<UiStage>();
const waiting: { stage: UiStage; run: () => void }[] = [];

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
    painted.add(stage);
    for (const w of waiting.filter((w) => w.stage === stage)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.run();
    }
  });
}

/**
 * Runs `run` once `stage` is on screen (at once if it already is): work that may wait for
 * the first screen, and should not take the cores it needs. Returns a cancel.
 */
export function whenPainted(stage: UiStage, run: () => void): () => void {
  if (painted.has(stage)) {
    run();
    return () => {};
  }
  const w = { stage, run };
  waiting.push(w);
  return () => {
    const at = waiting.indexOf(w);
    if (at >= 0) waiting.splice(at, 1);
  };
}
