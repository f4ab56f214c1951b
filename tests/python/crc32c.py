"""CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), written out from its definition.

The test references (tb_events.py for TensorBoard's record framing, the reliability suite for
resealing checkpoints) use this instead of Loom's own implementation, so a wrong table in Loom
cannot hide behind a test that shares it. Known answer: crc32c(b"123456789") == 0xE3069283.
"""


def _table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _table()


def crc32c(data):
    """The CRC-32C of the bytes `data`."""
    crc = 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283, "CRC-32C known answer"
