"""``slopguard lsp``: a language server that shows slopguard's findings in the editor while the code is written.

The server scans the editor's buffer (not the file on disk) through the pipeline, the same path ``slopguard scan``
takes, with the settings of the project the document belongs to. Modules: ``documents`` (what kind of file a
document is), ``analysis`` (settings per project, one scanner per settings, results remembered by content),
``diagnostics`` (findings as LSP diagnostics), ``actions`` (suppression and "explain rule"), ``server`` (the
pygls wiring and the debounce).
"""
