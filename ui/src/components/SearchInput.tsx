import { TextInput, type TextInputProps } from "@mantine/core";
import { useEffect, useEffectEvent, useRef } from "react";

/**
 * A search box whose text is the input's own: the page hears every change of it and never
 * writes it back. A controlled input (`value={text}`) is reset to the page's last text by
 * any redraw that comes before React has heard a change, and a value set by script (as
 * WebDriver's Element Clear does: `value = ""` and a `change` event) never reaches React's
 * `onChange` at all; so a clear followed by a redraw brought the old text back, and the
 * next keys were typed after it. Here the input's `input` and `change` events are heard
 * directly, whatever set the value.
 */
export function SearchInput({ onSearch, ...props }: Omit<TextInputProps, "value" | "onChange" | "defaultValue"> & { onSearch: (text: string) => void }) {
  const ref = useRef<HTMLInputElement>(null);
  const heard = useEffectEvent((text: string) => onSearch(text));
  useEffect(() => {
    const input = ref.current;
    if (!input) return;
    const hear = () => heard(input.value);
    input.addEventListener("input", hear);
    input.addEventListener("change", hear);
    return () => {
      input.removeEventListener("input", hear);
      input.removeEventListener("change", hear);
    };
  }, []);
  return <TextInput ref={ref} {...props} />;
}
