"""English: the default language of the step-through pages (see `graph.views.lang`)."""

NAME = "English"

MESSAGES: dict[str, str] = {
    # --- captions: step 0
    "start.head": "Before the run",
    "start.graph": ": the graph of {f}, {gates} gate(s), nothing computed yet.",
    "start.both": "Step forward through the gates in topological order, "
                  "then back through them in reverse order.",
    "start.forward": "Step forward through the gates in topological order.",
    # --- captions: a gate forward
    "forward.head": "Forward {k}/{n}: ",
    "forward.value": "{name} = {value}",
    "forward.reads": "the {symbol} gate reads {inputs}",
    "forward.input": "{name} = {value}",
    "forward.constant": "the constant {value}",
    # --- captions: a gate backward
    "backward.head": "Backward {k}/{n}: ",
    "backward.gate": "{name} ({symbol})",
    "backward.start": "{gate}, upstream {seed} = {up}, where backward starts",
    "backward.upstream": "{gate}, upstream {partial} = {up}",
    "backward.fanout": "{gate}, used {uses} times, upstream {total}",
    "backward.local": "{x}: downstream {down} = local {local} × upstream {up}",
    "backward.zero": "{x}: downstream {down} (upstream 0: nothing flows back)",
    "backward.jacobian": "{x}: downstream {down}, from upstream {up} through the gate's local Jacobian",
    "backward.none": "{x}: no gradient, it needs none",
    "backward.adds": "{x} is used {uses} times, its gradients add up: {total}",
    # --- captions: the end
    "done.head": "Done: ",
    "done.value": "{f} = {value}",
    "done.grads": "; {grads}",
    "done.no_backward": ". No backward has run on this tape: call backward() for the gradients.",
    "list.sep": ", ",
    # --- the player's controls and notes
    "button.first": "« first",
    "button.first.label": "first step: the bare graph",
    "button.prev": "‹ back",
    "button.prev.label": "previous step",
    "button.next": "next ›",
    "button.next.label": "next step",
    "button.last": "last »",
    "button.last.label": "last step: the whole run",
    "counter": "step {step} of {steps}",
    "keys": "keys: ← → Home End",
    "static": "The whole run, all {steps} steps. "
              "Stepping through it needs a viewer that runs scripts: a browser, or a trusted notebook.",
    "player.label": "backprop through {f}, step by step",
    "page.title": "gategraph: stepping through {f}",
    # --- gategraph lecture --html: the index and the links between pages
    "index.title": "gategraph: the lecture's worked examples, step by step",
    "index.heading": "Backpropagation, step by step",
    "index.intro": "The worked examples of CS231n Lecture 4, one page each. "
                   "Every page steps through one run: the forward pass gate by gate in topological order, "
                   "then the backward pass in reverse order, the chain rule written out in numbers at each "
                   "gate. Step with the buttons or the arrow keys.",
    "index.footer": "Made by {command}. These pages load nothing from the network.",
    "nav.index": "↑ all worked examples",
    "nav.next": "next example →",
    # --- the worked examples' titles (graph.lecture)
    "example.simple_circuit": "A simple circuit",
    "example.sigmoid_circuit": "Sigmoid neuron, as the circuit *-1, exp, +1, 1/x",
    "example.sigmoid_gate": "Sigmoid neuron, with one sigmoid gate",
    "example.staged": "Staged computation",
    "example.patterns": "Patterns in gradient flow",
    "example.vectorised": "Vectorised: a matrix and a squared norm",
}
