"""The package verifier: does every package an assistant names exist, and is it the one it seems to be?"""
