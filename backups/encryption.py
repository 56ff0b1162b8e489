"""Encrypted backup archives: a stream of Fernet tokens, so no archive is ever held in memory.

Fernet (the ``cryptography`` package) encrypts and authenticates one message at a time. An
archive is cut into chunks of 4 MiB, each its own token, written after a short magic line:

    PRACTICE-BACKUP-FERNET-1\\n  then, per chunk:  4-byte length | token

Each token's plaintext begins with the chunk's number and a flag marking the last chunk, so a
chunk that is reordered, repeated, dropped or cut off at the end is refused like a wrong key.
"""

import struct

from cryptography.fernet import Fernet, InvalidToken

MAGIC = b"PRACTICE-BACKUP-FERNET-1\n"
CHUNK_SIZE = 4 * 1024 * 1024
_LENGTH = struct.Struct(">I")
_HEADER = struct.Struct(">Q?")  # chunk number, is the last chunk


class DecryptionError(Exception):
    """The archive cannot be read with this key: the key is wrong, or the file is damaged."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def fernet(key: str) -> Fernet:
    try:
        return Fernet(key.strip().encode())
    except ValueError as error:
        raise ValueError(
            "BACKUP_ENCRYPTION_KEY is not a valid key: it must be 32 url-safe base64-encoded "
            "bytes, as `manage.py backup --generate-key` prints."
        ) from error


def is_encrypted(path) -> bool:
    with open(path, "rb") as file:
        return file.read(len(MAGIC)) == MAGIC


class EncryptingWriter:
    """A write-only file object: what is written goes out to ``target`` encrypted."""

    def __init__(self, target, key: str):
        self._target = target
        self._fernet = fernet(key)
        self._buffer = bytearray()
        self._number = 0
        self._target.write(MAGIC)

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK_SIZE:
            self._emit(bytes(self._buffer[:CHUNK_SIZE]), last=False)
            del self._buffer[:CHUNK_SIZE]
        return len(data)

    def close(self) -> None:
        """Writes the last chunk (possibly empty); the target stays open."""
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _emit(self, chunk: bytes, *, last: bool) -> None:
        token = self._fernet.encrypt(_HEADER.pack(self._number, last) + chunk)
        self._target.write(_LENGTH.pack(len(token)) + token)
        self._number += 1


class DecryptingReader:
    """A read-only file object giving back the plaintext of an encrypted archive."""

    def __init__(self, source, key: str):
        self._source = source
        self._fernet = fernet(key)
        if source.read(len(MAGIC)) != MAGIC:
            raise DecryptionError("This is not an encrypted backup archive.")
        self._plain = bytearray()
        self._number = 0
        self._finished = False

    def read(self, size: int = -1) -> bytes:
        while not self._finished and (size < 0 or len(self._plain) < size):
            self._plain += self._next_chunk()
        if size < 0:
            size = len(self._plain)
        data = bytes(self._plain[:size])
        del self._plain[:size]
        return data

    def _next_chunk(self) -> bytes:
        prefix = self._source.read(_LENGTH.size)
        if len(prefix) < _LENGTH.size:
            raise DecryptionError("The archive ends too early: it is incomplete or damaged.")
        (length,) = _LENGTH.unpack(prefix)
        token = self._source.read(length)
        try:
            plain = self._fernet.decrypt(token)
        except InvalidToken as error:
            raise DecryptionError(
                "The archive cannot be decrypted with this BACKUP_ENCRYPTION_KEY: "
                "the key is wrong, or the archive is damaged."
            ) from error
        number, last = _HEADER.unpack_from(plain)
        if number != self._number:
            raise DecryptionError("The archive's chunks are out of order: it is damaged.")
        self._number += 1
        if last:
            if self._source.read(1):
                raise DecryptionError("The archive has data after its end: it is damaged.")
            self._finished = True
        return plain[_HEADER.size :]
