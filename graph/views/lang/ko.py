"""한국어 (Korean): the step-through pages as the Korean notes write, prose that keeps English terms.

Korean prose with the English technical terms kept (gradient, upstream, downstream, local, gate,
forward, backward), as the Korean notes of the lecture write them.

See `graph.views.lang`. Names and numbers are fields, so no particle follows one whose form would
depend on its last sound (은/는, 이/가): only 의 and 에, which never change.
"""

NAME = "한국어"

MESSAGES: dict[str, str] = {
    # --- captions: step 0
    "start.head": "실행 전",
    "start.graph": ": {f}의 graph, gate {gates}개, 아직 아무것도 계산하지 않았습니다.",
    "start.both": "gate를 topological order로 하나씩 forward한 다음, 역순으로 backward합니다.",
    "start.forward": "gate를 topological order로 하나씩 forward합니다.",
    # --- captions: a gate forward
    "forward.head": "순전파 {k}/{n}: ",
    "forward.value": "{name} = {value}",
    "forward.reads": "{symbol} gate의 입력: {inputs}",
    "forward.input": "{name} = {value}",
    "forward.constant": "상수 {value}",
    # --- captions: a gate backward
    "backward.head": "역전파 {k}/{n}: ",
    "backward.gate": "{name} ({symbol})",
    "backward.start": "{gate}: backward의 시작, upstream gradient {seed} = {up}",
    "backward.upstream": "{gate}: upstream gradient {partial} = {up}",
    "backward.fanout": "{gate}: {uses}곳에서 쓰인 값, upstream gradient {total}",
    "backward.local": "{x}에 전달: downstream {down} = local {local} × upstream {up}",
    "backward.zero": "{x}에 전달: downstream {down} (upstream gradient가 0이므로 흐르는 값 없음)",
    "backward.jacobian": "{x}에 전달: downstream {down}, upstream {up}에 gate의 local Jacobian을 적용한 값",
    "backward.none": "{x}: gradient가 필요 없으므로 전달하지 않음",
    "backward.adds": "{x}: {uses}곳에서 쓰였으므로 gradient를 더합니다: {total}",
    # --- captions: the end
    "done.head": "완료: ",
    "done.value": "{f} = {value}",
    "done.grads": "; {grads}",
    "done.no_backward": ". 이 tape에는 backward 기록이 없습니다: gradient를 보려면 backward()를 호출하세요.",
    "list.sep": ", ",
    # --- the player's controls and notes
    "button.first": "« 처음",
    "button.first.label": "첫 단계: 계산 전의 graph",
    "button.prev": "‹ 이전",
    "button.prev.label": "이전 단계",
    "button.next": "다음 ›",
    "button.next.label": "다음 단계",
    "button.last": "끝 »",
    "button.last.label": "마지막 단계: 실행 전체",
    "counter": "{steps}단계 중 {step}단계",
    "keys": "키: ← → Home End",
    "static": "실행 전체, {steps}단계 모두. 한 단계씩 보려면 script를 실행하는 viewer가 필요합니다: "
              "브라우저, 또는 신뢰하는(trusted) notebook.",
    "player.label": "{f}의 backprop, 한 단계씩",
    "page.title": "gategraph: {f}의 backprop, 한 단계씩",
    # --- gategraph lecture --html: the index and the links between pages
    "index.title": "gategraph: 강의 예제, 한 단계씩",
    "index.heading": "역전파(backpropagation), 한 단계씩",
    "index.intro": "CS231n Lecture 4의 예제를 한 페이지에 하나씩 담았습니다. 각 페이지는 실행 한 번을 "
                   "한 단계씩 보여 줍니다: 먼저 topological order로 gate마다 forward pass, 그다음 역순으로 "
                   "backward pass, gate마다 chain rule을 숫자로 풀어 씁니다. 버튼이나 화살표 키로 넘기세요.",
    "index.footer": "{command}로 만들었습니다. 이 페이지들은 네트워크에서 아무것도 불러오지 않습니다.",
    "nav.index": "↑ 모든 예제",
    "nav.next": "다음 예제 →",
    # --- the worked examples' titles (graph.lecture)
    "example.simple_circuit": "간단한 회로",
    "example.sigmoid_circuit": "sigmoid 뉴런: *-1, exp, +1, 1/x gate의 회로",
    "example.sigmoid_gate": "sigmoid 뉴런: sigmoid gate 하나",
    "example.staged": "단계별 계산 (staged computation)",
    "example.patterns": "gradient 흐름의 패턴",
    "example.vectorised": "벡터 연산: 행렬 곱과 squared norm",
}
