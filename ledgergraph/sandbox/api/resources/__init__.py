"""The Sage resources the sandbox serves, one module per family."""
