"""Views of a run: each reads the run's tape (`graph.tape.Tape`) and nothing else.

- `graph.views.trace`: the chain-rule table, ``downstream = local × upstream`` gate by gate;
- `graph.views.draw`: the graph drawn as on the slides, values in green and gradients in red;
- `graph.views.player`: the run stepped through gate by gate, in Jupyter or as a page that works offline,
  in any language with a catalogue in `graph.views.lang` (English, Korean);
- `graph.views.text`: how numbers and tables are written, for all of them.
"""
