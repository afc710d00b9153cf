"""``swordnet ledger``: the evidence ledger's checkpoints and proofs.

What a command produces (checkpoints, proofs, keys) goes to stdout with plain ``print``,
byte for byte and never wrapped, so it can be saved and checked by hand."""

from __future__ import annotations

import base64
import sys
from typing import Annotated

import typer

from swordnet.cli.display import printable
from swordnet.cli.state import console, fail, state

app = typer.Typer(help="The evidence ledger: checkpoints and proofs.", no_args_is_help=True)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


@app.command("checkpoint")
def checkpoint(ctx: typer.Context) -> None:
    """Anchor the audit trail, sign the log's head, print the checkpoint."""
    from swordnet.services.ledger.operations import checkpoint_now

    signed = checkpoint_now(state(ctx).container())
    print(signed.text, end="")
    stamped = f"; timestamped {signed.tsa_time.isoformat()}" if signed.tsa_time else ""
    console.print(f"checkpoint of {signed.size} leaves signed by key {signed.key_id}{stamped}")


@app.command("rotate-key")
def rotate_key(ctx: typer.Context) -> None:
    """Replace the signing key (the rotation is a leaf both keys sign)."""
    from swordnet.services.ledger.operations import rotate

    signed = rotate(state(ctx).container())
    print(signed.text, end="")
    console.print(f"new key {signed.key_id}; the old one is in the ledger directory, retired")


@app.command("show")
def show(ctx: typer.Context) -> None:
    """The log's size and root, the newest checkpoint and the public key."""
    from swordnet.services.ledger.operations import status

    found = status(state(ctx).container())
    print(f"size: {found.size}")
    print(f"root: {_b64(found.root_hash)}")
    print(f"checkpoints: {found.checkpoints}")
    print(f"public key: {found.vkey or 'none yet (created by the first checkpoint)'}")
    for older in found.known_vkeys[:-1]:
        print(f"earlier key: {older}")
    if found.checkpoint is not None:
        print()
        print(found.checkpoint.text, end="")


@app.command("prove")
def prove(
    ctx: typer.Context,
    index: Annotated[int, typer.Option("--index", help="The leaf, from 0.")],
    size: Annotated[
        int | None,
        typer.Option("--size", help="Tree size (default: the newest checkpoint's)."),
    ] = None,
) -> None:
    """The leaf's data and its inclusion proof (a c2sp.org/tlog-proof when checkpointed)."""
    from swordnet.services.ledger.operations import prove_inclusion

    answer = prove_inclusion(state(ctx).container(), index, size)
    leaf = answer.leaf
    # on stderr, unwrapped: the proof alone goes to stdout
    print(
        f"leaf {index} ({printable(leaf.kind)}): {printable(leaf.data.decode())}", file=sys.stderr
    )
    print(f"leaf hash: {_b64(leaf.leaf_hash)}", file=sys.stderr)
    if not answer.verified:
        fail(f"the proof of leaf {index} in the tree of {answer.size} does not verify", code=1)
    if answer.tlog_proof is not None:
        print(answer.tlog_proof, end="")
        return
    print(f"tree size {answer.size}, root {_b64(answer.root_hash)} (not checkpointed)")
    for element in answer.proof:
        print(_b64(element))


@app.command("consistency")
def consistency(
    ctx: typer.Context,
    old: Annotated[int, typer.Argument(help="The older tree size.")],
    new: Annotated[int, typer.Argument(help="The newer tree size.")],
) -> None:
    """The consistency proof between two tree sizes, checked."""
    from swordnet.services.ledger.operations import prove_consistency

    answer = prove_consistency(state(ctx).container(), old, new)
    if not answer.verified:
        fail(f"the log of size {new} is not consistent with its first {old} leaves", code=1)
    print(f"old {old} {_b64(answer.old_root)}")
    print(f"new {new} {_b64(answer.new_root)}")
    for element in answer.proof:
        print(_b64(element))
    console.print(f"consistent: {len(answer.proof)} hashes")


@app.command("verify")
def verify(ctx: typer.Context) -> None:
    """Recompute the whole log from its leaves and check every checkpoint."""
    from swordnet.services.ledger.operations import verify as verify_ledger

    problems = verify_ledger(state(ctx).container())
    for problem in problems:
        print(printable(problem))
    if problems:
        fail(f"evidence ledger damaged: {len(problems)} problem(s)", code=1)
    console.print("evidence ledger intact")
