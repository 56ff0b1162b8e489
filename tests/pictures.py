"""Picture files for the upload tests, written byte by byte where Pillow would need the
memory the test is about: a small file that claims a huge picture."""

import functools
import struct
import zlib


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def blank_png(width: int, height: int) -> bytes:
    """A valid black-and-white PNG of ``width`` × ``height``, compressed row by row, so
    a 20000 × 20000 picture is a file of about 50 KB (a decompression bomb)."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter type 0, then one bit a pixel
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def huge_gif(width: int, height: int) -> bytes:
    """A GIF whose header and only frame claim ``width`` × ``height``, with one pixel of data."""
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0)  # global colour table of 2
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
    pixels = b"\x02\x02\x44\x01\x00"  # LZW minimum code size 2, one sub-block, terminator
    return b"GIF89a" + screen + b"\x00\x00\x00\xff\xff\xff" + frame + pixels + b"\x3b"
