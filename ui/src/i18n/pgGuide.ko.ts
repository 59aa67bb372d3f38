// The PG guide's texts (Korean). pgGuide.en.ts has exactly the same keys.
const pgGuide = {
  title: "PG 가이드",
  description: "PG사별로 빌링키를 발급하는 방법과 필요한 값, 연동 문서를 안내합니다.",
  methodWindow: "결제창",
  methodRest: "REST API",
  pgParam: "pg 값",
  requiredFields: "필수 항목",
  docs: "연동 문서",
  docsKo: "한국어 문서",
  docsEn: "영어 문서",
  testGuide: "테스트 모드 안내",
  restIssue: "REST 발급",
  windowIssue: "결제창 발급",
  yes: "가능",
  no: "불가",
  unknown: "확인 필요",
  count: "{{count}}개 항목",
};

export default pgGuide;
