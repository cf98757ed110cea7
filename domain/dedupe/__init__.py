"""De-duplication of residents' questions: one engine, used by every path that places one.

- `text`: what a question is reduced to (content tokens, places, numbers, people);
- `grams`: the word and character grams it is compared by;
- `score`: the one formula for how sure the engine is that two questions are one request;
- `index`: the questions of a dialogue, searchable without comparing all pairs;
- `clusters`: the clustering itself (`Clusters`), with officials' decisions kept.
"""
