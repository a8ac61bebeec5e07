"""Phase 4: attack a running HTTP service within strict bounds (``slopguard probe``) and generate security tests."""
