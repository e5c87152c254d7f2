"""A credential whose key stays in a PKCS#11 token, used in this process, then
the process forked: the child needs the key for a token of its own (a claims
challenge asks for a new one), over a module it must initialise again.

Usage: pkcs11_fork.py < SETTINGS_JSON   (client_id, authority, ca_file, scope,
module, token, key, pin: on stdin, the PIN kept out of the command line)

Prints one JSON line: the parent's token, and the child's exit status and its
answer (its token and token requests, or the error it met).
"""

import json
import os
import sys

import entrad

CLAIMS = '{"access_token":{"xms_cc":{"values":["cp1"]}}}'


def child(credential, scope, write):
    answer, code = {"error": "no answer"}, 1
    try:
        token = credential.get_token(scope, claims=CLAIMS).token
        answer, code = {"token": token, "token_requests": credential.token_requests}, 0
    except BaseException as error:  # the parent reports whatever the child met
        answer = {"error": "{}: {}".format(type(error).__name__, error)}
    finally:
        os.write(write, json.dumps(answer).encode())
        os._exit(code)


def main():
    settings = json.load(sys.stdin)
    credential = entrad.Credential(
        client_id=settings["client_id"], authority=settings["authority"], ca_file=settings["ca_file"],
        pkcs11_module=settings["module"], pkcs11_token=settings["token"], pkcs11_key=settings["key"],
        pkcs11_pin=settings["pin"], cache="memory")
    parent = credential.get_token(settings["scope"]).token
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        child(credential, settings["scope"], write)
    os.close(write)
    chunks = []
    while True:
        chunk = os.read(read, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({
        "parent": parent,
        "parent_token_requests": credential.token_requests,
        "child_exit": os.waitstatus_to_exitcode(status),
        "child": json.loads(b"".join(chunks) or b'{"error": "the child wrote nothing"}'),
    }))


if __name__ == "__main__":
    main()
