// The PG guide's texts (English). Same keys as pgGuide.ko.ts.
import type pgGuideKo from "./pgGuide.ko";

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

const pgGuide: Shape<typeof pgGuideKo> = {
  title: "PG guide",
  description: "How each PG issues billing keys, what it needs, and its integration docs.",
  methodWindow: "Payment window",
  methodRest: "REST API",
  pgParam: "pg value",
  requiredFields: "Required fields",
  docs: "Integration docs",
  docsKo: "Korean docs",
  docsEn: "English docs",
  testGuide: "Test-mode guide",
  restIssue: "REST issuance",
  windowIssue: "Window issuance",
  yes: "Yes",
  no: "No",
  unknown: "Unclear",
  count: "{{count}} entries",
};

export default pgGuide;
