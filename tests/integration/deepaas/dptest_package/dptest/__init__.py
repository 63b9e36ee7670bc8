"""A DEEPaaS V2 test package."""
