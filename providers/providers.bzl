"""The wire formats linked into the gateway: the one list the server binary
and the end-to-end tests share. Adding a wire format is a directory under
providers/ plus one line here (docs/adding-a-provider.md)."""

LINKED_PROVIDERS = [
    "//providers/anthropic",
    "//providers/cohere",
    "//providers/gemini",
    "//providers/minimax",
    "//providers/openai_compatible",
]
