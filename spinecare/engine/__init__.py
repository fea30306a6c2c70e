"""The screening engine: three-valued logic, screening and course planning."""
