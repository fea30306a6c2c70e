"""The knowledge base: YAML data inside the package, its schema, loader and validator."""

from spinecare.kb.loader import KB, check_kb, dump_kb, load_kb

__all__ = ["KB", "check_kb", "dump_kb", "load_kb"]
