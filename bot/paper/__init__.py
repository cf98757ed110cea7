"""Paper forms: the template, reading typed-up files, checking rows, importing them."""
