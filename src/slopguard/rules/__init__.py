"""Rule packs, one folder per language. Every module here is imported once by the registry."""
