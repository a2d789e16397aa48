"""The language server (``migration-gate lsp``): the gate's findings, lock hovers and fixes in editors.

An edge like the reporters: it runs the same check (:mod:`migration_gate.run`) on the editor's
buffer and converts positions to the protocol's UTF-16 code units.  pygls is imported only here.
"""
