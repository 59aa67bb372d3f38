// 대사 화면: 한 기간의 결제를 i'mport와 스토어에서 나란히 비교합니다.
const reconcile = {
  title: "대사",
  description: "한 달·분기·반기의 결제를 i'mport의 기록과 이 컴퓨터의 기록으로 나란히 비교합니다. 어느 한쪽에만 있는 결제, 상태·금액·환불액이 다른 결제, 결과를 아직 모르는 결제 요청을 찾습니다.",
  compare: "비교",
  theirs: "i'mport",
  ours: "이 컴퓨터",
  totals: "{{count, number}}건 · 결제 {{amount}} · 환불 {{refunded}}",
  clean: "차이가 없습니다. 이 기간의 결제는 i'mport와 같습니다.",
  kind: {
    missing_here: "여기에 없음",
    missing_there: "i'mport에 없음",
    status: "상태 다름",
    amount: "금액 다름",
    refunded: "환불액 다름",
  },
  open: "결과 확인 중인 요청 {{count, number}}건",
  apply: "i'mport 기준으로 {{count, number}}건 맞추기",
  applied: "{{count, number}}건을 i'mport의 기록으로 바꿨습니다.",
  rowApplied: "맞춤",
  unchecked: "i'mport 목록에 없던 {{count, number}}건은 너무 많아 하나씩 확인하지 않았습니다. 결제 동기화를 먼저 실행하세요.",
  differences: "차이 {{total, number}}건 중 {{shown, number}}건",
  refunded: "환불 {{amount}}",
  none: "없음",
  col: { kind: "차이", order: "주문번호", customer: "고객", ours: "이 컴퓨터", theirs: "i'mport" },
  note: "맞추기는 이 컴퓨터의 기록만 바꿉니다. i'mport에서는 아무것도 바뀌지 않고 돈도 움직이지 않습니다. i'mport에 없는 결제는 사람이 확인해야 하므로 그대로 둡니다.",
  background: {
    waiting: "최근 {{days}}일의 결제는 앱이 열려 있는 동안 15분마다 자동으로 확인합니다(늦은 부분 환불 포함).",
    running: "최근 {{days}}일의 결제를 확인하는 중입니다…",
    done: "최근 {{days}}일 자동 확인: {{when}}, {{count, number}}건 반영",
    failed: "최근 {{days}}일 자동 확인이 {{when}}에 끝나지 못했습니다. 15분 뒤 다시 시도합니다.",
  },
};

export default reconcile;
