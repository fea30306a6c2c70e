"""The clinic's use cases over the store: who may see and change what (permissions),
what is recorded (audit), what input is accepted (limits)."""
