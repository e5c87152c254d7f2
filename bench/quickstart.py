"""The Python daemon quickstart, as a benchmark peer of `entrad run`.

It is the quickstart's confidential_client_secret_sample.py with the two
changes an offline run needs: instance discovery is off (it would call the
real Microsoft host) and the emulator's CA is trusted. With --all it follows
@odata.nextLink the way a Python user would, collecting every page in memory.

    python bench/quickstart.py parameters.json [--all]
Environment: ENTRAD_CA_FILE (the emulator's ca.pem).
"""
import json
import logging
import os
import sys

import msal
import requests


def main():
    config = json.load(open(sys.argv[1]))
    follow_pages = "--all" in sys.argv[2:]

    session = requests.Session()
    ca_file = os.environ.get("ENTRAD_CA_FILE")
    if ca_file:
        session.verify = ca_file
        # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override session.verify.
        os.environ["REQUESTS_CA_BUNDLE"] = ca_file
        os.environ.pop("CURL_CA_BUNDLE", None)

    app = msal.ConfidentialClientApplication(
        config["client_id"],
        authority=config["authority"],
        client_credential=config["secret"],
        instance_discovery=False,
        http_client=session,
    )

    result = app.acquire_token_silent(config["scope"], account=None)
    if not result:
        logging.info("No suitable token exists in cache. Let's get a new one from AAD.")
        result = app.acquire_token_for_client(scopes=config["scope"])

    if "access_token" not in result:
        print(result.get("error"), result.get("error_description"), file=sys.stderr)
        return 3

    headers = {"Authorization": "Bearer " + result["access_token"]}
    graph_data = session.get(config["endpoint"], headers=headers).json()
    if follow_pages:
        next_link = graph_data.pop("@odata.nextLink", None)
        while next_link:
            page = session.get(next_link, headers=headers).json()
            graph_data["value"].extend(page["value"])
            next_link = page.get("@odata.nextLink")
    print(json.dumps(graph_data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
