import { defineConfig } from "vitest/config";
import type { Plugin } from "vite";
import react from "@vitejs/plugin-react";
import { parse } from "acorn";
import MagicString from "magic-string";

/**
 * Tauri freezes Object.prototype in the webview (`freezePrototype` in tauri.conf.json), so
 * assigning `toString`, `constructor`, `valueOf`… to an object that inherits them from it
 * throws (the "override mistake"). The chart libraries under @mantine/charts do that while
 * they load (d3-color's `prototype.constructor = …`, d3-format's
 * `FormatSpecifier.prototype.toString = …`, decimal.js-light, lodash…): the whole UI died
 * at start-up in the app while every jsdom test passed. In those packages each such
 * assignment becomes a property definition, which a frozen prototype does not block.
 */
const OVERRIDDEN = new Set(["constructor", "toString", "toLocaleString", "valueOf", "toJSON", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable"]);
const CHART_PACKAGES = /[\\/]node_modules[\\/](d3-[^\\/]+|decimal\.js-light|recharts|recharts-scale|react-smooth|victory-vendor|lodash|fast-equals|eventemitter3)[\\/]/;
const DEFINE = "__subdeskDefine";

type Node = { type: string; start: number; end: number; [key: string]: unknown };

export function defineOverrides(code: string): string | null {
  let ast: Node;
  try {
    ast = parse(code, { ecmaVersion: "latest", sourceType: "module" }) as unknown as Node;
  } catch {
    ast = parse(code, { ecmaVersion: "latest", sourceType: "script", allowReturnOutsideFunction: true }) as unknown as Node;
  }
  const out = new MagicString(code);
  let changed = false;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== "object" || typeof (node as Node).type !== "string") return;
    const n = node as Node;
    const left = n.left as Node | undefined;
    const property = left?.property as Node | undefined;
    if (n.type === "AssignmentExpression" && n.operator === "=" && left?.type === "MemberExpression" && !left.computed && property?.type === "Identifier" && OVERRIDDEN.has(property.name as string)) {
      const object = left.object as Node;
      const right = n.right as Node;
      out.prependRight(n.start, `${DEFINE}(`);
      out.overwrite(object.end, right.start, `, ${JSON.stringify(property.name)}, `);
      out.appendLeft(n.end, ")");
      changed = true;
    }
    for (const [key, value] of Object.entries(n)) if (key !== "type" && value && typeof value === "object") visit(value);
  };
  visit(ast);
  if (!changed) return null;
  out.prepend(`var ${DEFINE} = function (o, k, v) { Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true }); return v; };\n`);
  return out.toString();
}

function definePastFrozenPrototype(): Plugin {
  return {
    name: "define-past-frozen-prototype",
    transform(code, id) {
      if (!CHART_PACKAGES.test(id) || !/\.(m?js|cjs)$/.test(id.split("?")[0] ?? "")) return null;
      const next = defineOverrides(code);
      return next === null ? null : { code: next, map: null };
    },
  };
}

// The UI is served by Tauri from ui/dist; the dev server is only for `tauri dev`.
export default defineConfig({
  plugins: [react(), definePastFrozenPrototype()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "safari15", outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    // userEvent types character by character; on a busy 2-core CI machine that can take seconds.
    testTimeout: 30000,
  },
});
