"""Build files of any project (Makefile, CMakeLists.txt, meson.build): rules that read them whatever the scan's
languages are."""
