"""Accounts and tokens over HTTP: signup, token, and every kind of bad token."""
import base64
import hashlib
import hmac
import json
import time

from mall_node import admin_token, customer_token, run_tests

SECRET = b"e2e-known-secret"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(claims, secret=b"not-the-secret", alg="HS256"):
    head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    if alg == "none":
        return f"{head}.{body}."
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def test_signup_then_token(node):
    c = node.client()
    r = c.post("/auth/signup", {"username": "alice_1", "password": "correct horse",
                                "name": "Alice", "address": "Busan 2"})
    assert r.status == 201, r
    assert r.json["username"] == "alice_1" and r.json["user_id"], r
    assert "password" not in r.body and "hash" not in r.body
    assert r.header("X-Consistency-Token")
    r = c.post("/auth/token", {"username": "alice_1", "password": "correct horse"})
    assert r.status == 200, r
    assert r.json["token_type"] == "Bearer" and r.json["expires_in"] > 0, r
    claims = json.loads(base64.urlsafe_b64decode(r.json["access_token"].split(".")[1] + "=="))
    assert claims["role"] == "customer" and claims["exp"] > time.time(), claims


def test_duplicate_username_is_409(node):
    customer_token(node.client(), "bob_2")
    r = node.client().post("/auth/signup", {"username": "bob_2", "password": "another-pass",
                                            "name": "Bob", "address": "Daegu"})
    assert r.status == 409 and r.json["error"]["code"] == "username_taken", r


def test_wrong_password_and_unknown_user_are_invalid_credentials(node):
    customer_token(node.client(), "carol_3")
    for creds in [{"username": "carol_3", "password": "wrong-password"},
                  {"username": "nobody_here", "password": "whatever-1"}]:
        r = node.client().post("/auth/token", creds)
        assert r.status == 401 and r.json["error"]["code"] == "invalid_credentials", r


def test_signup_validation(node):
    base = {"username": "dave_4", "password": "long-enough", "name": "Dave", "address": "Incheon"}
    cases = [
        (dict(base, username="Dave"), "username"),
        (dict(base, username="ab"), "username"),
        (dict(base, username="x" * 33), "username"),
        (dict(base, password="short"), "password"),
        (dict(base, name="   "), "name"),
        (dict(base, address="a" * 301), "address"),
        (dict(base, role="admin"), "role"),
        ({k: v for k, v in base.items() if k != "name"}, "name"),
        (dict(base, username=5), "username"),
    ]
    for body, field in cases:
        r = node.client().post("/auth/signup", body)
        assert r.status == 400 and r.json["error"]["code"] == "invalid_input", (body, r)
        assert field in r.json["error"]["message"], (field, r)


def test_bad_tokens_are_401(node):
    admin = admin_token(node.client())
    good_claims = json.loads(base64.urlsafe_b64decode(admin.split(".")[1] + "=="))
    forged = make_jwt(good_claims)
    unsigned = make_jwt(good_claims, alg="none")
    tampered = admin.split(".")
    tampered[1] = b64(json.dumps(dict(good_claims, sub="someone-else")).encode())
    body = {"name": "x", "price": 1, "stock": 1}
    for token, code in [("garbage", "unauthorized"), (forged, "unauthorized"),
                        (unsigned, "unauthorized"), (".".join(tampered), "unauthorized")]:
        r = node.client(token).post("/products", body)
        assert r.status == 401 and r.json["error"]["code"] == code, (token, r)
    r = node.client().post("/products", body, headers={"Authorization": "Basic abc"})
    assert r.status == 401, r


def test_expired_token_is_token_expired(node):
    claims = {"sub": "u_1", "role": "admin", "username": "admin", "exp": int(time.time()) - 5}
    r = node.client(make_jwt(claims, secret=SECRET)).post("/products", {"name": "x", "price": 1, "stock": 1})
    assert r.status == 401 and r.json["error"]["code"] == "token_expired", r


def test_validly_signed_customer_token_is_403_on_admin_endpoint(node):
    claims = {"sub": "u_2", "role": "customer", "username": "eve_5", "exp": int(time.time()) + 60}
    r = node.client(make_jwt(claims, secret=SECRET)).post("/products", {"name": "x", "price": 1, "stock": 1})
    assert r.status == 403 and r.json["error"]["code"] == "forbidden", r


if __name__ == "__main__":
    run_tests([
        test_signup_then_token,
        test_duplicate_username_is_409,
        test_wrong_password_and_unknown_user_are_invalid_credentials,
        test_signup_validation,
        test_bad_tokens_are_401,
        test_expired_token_is_token_expired,
        test_validly_signed_customer_token_is_403_on_admin_endpoint,
    ], extra_args=["--jwt-secret", SECRET.decode()])
