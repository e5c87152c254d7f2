"""What a Python user would write to mirror the users into SQLite with delta
queries: MSAL Python + requests + sqlite3, the benchmark peer of
`entrad sync users --into sqlite:PATH`.

Each delta page is written in one sqlite3 transaction together with the link
that follows it (so it resumes as entrad does); the first run walks a full
round, later runs start from the stored deltaLink. Pages of up to 999 users
(`Prefer: odata.maxpagesize=999`), the same pages entrad asks for.

    python bench/sync_reference.py parameters.json mirror.db
Environment: ENTRAD_CA_FILE (the emulator's ca.pem).
Prints one line: added, changed, removed, pages.
"""
import json
import os
import sqlite3
import sys

import msal
import requests

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, data TEXT NOT NULL, display_name TEXT, removed TEXT);
CREATE TABLE IF NOT EXISTS sync_state (name TEXT PRIMARY KEY, link TEXT NOT NULL);
"""


def main():
    config = json.load(open(sys.argv[1]))
    db = sqlite3.connect(sys.argv[2], isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript(SCHEMA)

    session = requests.Session()
    ca_file = os.environ.get("ENTRAD_CA_FILE")
    if ca_file:
        session.verify = ca_file
        os.environ["REQUESTS_CA_BUNDLE"] = ca_file
        os.environ.pop("CURL_CA_BUNDLE", None)
    app = msal.ConfidentialClientApplication(
        config["client_id"],
        authority=config["authority"],
        client_credential=config["secret"],
        instance_discovery=False,
        http_client=session,
    )
    result = app.acquire_token_for_client(scopes=config["scope"])
    if "access_token" not in result:
        print(result.get("error"), result.get("error_description"), file=sys.stderr)
        return 3
    headers = {
        "Authorization": "Bearer " + result["access_token"],
        "Prefer": "odata.maxpagesize=999",
    }

    graph = config["endpoint"].split("/v1.0/")[0]
    row = db.execute("SELECT link FROM sync_state WHERE name = 'users'").fetchone()
    link = row[0] if row else graph + "/v1.0/users/delta"
    added = changed = removed = pages = 0
    while link:
        response = session.get(link, headers=headers)
        response.raise_for_status()
        page = response.json()
        next_link = page.get("@odata.nextLink") or page.get("@odata.deltaLink")
        db.execute("BEGIN")
        for user in page["value"]:
            reason = user.get("@removed", {}).get("reason")
            if reason == "deleted":
                removed += db.execute("DELETE FROM users WHERE id = ?", (user["id"],)).rowcount
            elif reason:
                removed += db.execute(
                    "UPDATE users SET removed = 'changed' WHERE id = ?", (user["id"],)
                ).rowcount
            else:
                existed = db.execute(
                    "UPDATE users SET data = ?, display_name = ?, removed = NULL WHERE id = ?",
                    (json.dumps(user), user.get("displayName"), user["id"]),
                ).rowcount
                if existed:
                    changed += 1
                else:
                    db.execute(
                        "INSERT INTO users (id, data, display_name) VALUES (?, ?, ?)",
                        (user["id"], json.dumps(user), user.get("displayName")),
                    )
                    added += 1
        db.execute(
            "INSERT OR REPLACE INTO sync_state (name, link) VALUES ('users', ?)", (next_link,)
        )
        db.execute("COMMIT")
        pages += 1
        link = page.get("@odata.nextLink")
    print(f"{added} added, {changed} changed, {removed} removed, {pages} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
