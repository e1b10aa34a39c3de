"""Exceptions raised by the knowledge package."""


class KnowledgeError(Exception):
    """The knowledge data is invalid. The message names the file and the field."""

    def __init__(self, file: str, field: str, message: str):
        self.file = file
        self.field = field
        self.detail = message
        super().__init__(f"{file}: {field}: {message}")


class UnknownId(KeyError):
    """An item, bundle or service id that does not exist in the knowledge base."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep it readable
        return str(self.args[0]) if self.args else "unknown id"
