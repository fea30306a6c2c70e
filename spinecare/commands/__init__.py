"""Command groups beyond the core ones. Each module defines ``register(app)``; the
modules import their heavy dependencies inside the commands so ``--help`` stays fast."""

MODULES = ("web", "api", "fhir", "bulk")
