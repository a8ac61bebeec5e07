"""Rules that read any text file, whatever its language: credentials in known token formats."""
