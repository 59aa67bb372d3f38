import { createTheme } from "@mantine/core";

export const theme = createTheme({
  primaryColor: "blue",
  // Korean glyphs first: Noto Sans CJK ships with the Linux packages Subdesk installs.
  fontFamily:
    "'Pretendard', 'Noto Sans KR', 'Noto Sans CJK KR', 'Apple SD Gothic Neo', 'Malgun Gothic', system-ui, sans-serif",
  defaultRadius: "md",
});
