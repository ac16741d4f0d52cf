"""Server-rendered pages of the ticket aggregate, one module per role."""
