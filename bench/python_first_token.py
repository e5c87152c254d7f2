"""A new process's first token: the quickstart's start, as the Python
benchmark (bench/python.py process) times it, one process per run.

    python bench/python_first_token.py MODE parameters.json

MODE: `entrad` (`from entrad import msal`) or `msal` (MSAL Python): import,
build the app, get a token (cold: the cache is in memory), exit.
`import-entrad` / `import-msal`: the import alone. `none`: neither (the
interpreter and reading the file: what every mode pays).
The emulator's CA comes in REQUESTS_CA_BUNDLE, which both read.
"""
import json
import sys


def main():
    mode, parameters = sys.argv[1], sys.argv[2]
    config = json.load(open(parameters))
    if mode == "none":
        return 0
    options = {}
    if mode in ("entrad", "import-entrad"):
        from entrad import msal
    elif mode in ("msal", "import-msal"):
        import msal
        # MSAL Python would ask login.microsoftonline.com for instance discovery.
        options["instance_discovery"] = False
    else:
        raise SystemExit("unknown mode " + mode)
    if mode.startswith("import-"):
        return 0
    app = msal.ConfidentialClientApplication(
        config["client_id"], authority=config["authority"], client_credential=config["secret"], **options)
    result = app.acquire_token_for_client(scopes=config["scope"])
    if result.get("token_source") != "identity_provider":
        print(result, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
