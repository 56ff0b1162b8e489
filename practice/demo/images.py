"""Small abstract images of the practice's own, drawn with Pillow (no licences to track)."""

import random
from io import BytesIO

from PIL import Image, ImageDraw, ImageFilter

SIZE = (1600, 1000)

PALETTES = {
    "sage": [(216, 228, 218), (143, 176, 152), (62, 107, 88)],
    "sand": [(240, 230, 214), (214, 186, 150), (150, 110, 78)],
    "mist": [(222, 232, 238), (150, 182, 196), (58, 98, 118)],
    "clay": [(242, 224, 216), (206, 150, 128), (128, 74, 62)],
    "moss": [(230, 234, 214), (170, 184, 130), (88, 104, 60)],
    "dusk": [(232, 226, 238), (168, 150, 190), (84, 70, 112)],
}


def draw_image(seed: int, palette: str) -> bytes:
    """A soft gradient with blurred, overlapping shapes, as JPEG bytes. Same seed, same image."""
    rng = random.Random(seed)
    light, mid, dark = PALETTES[palette]
    width, height = SIZE
    image = Image.new("RGB", SIZE, light)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        colour = tuple(
            round(light[i] * (1 - t) + mid[i] * t * 0.6 + light[i] * t * 0.4) for i in range(3)
        )
        draw.line([(0, y), (width, y)], fill=colour)
    for _ in range(7):
        radius = rng.randint(120, 420)
        x, y = rng.randint(0, width), rng.randint(0, height)
        colour = rng.choice([mid, dark, light])
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(60))
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=82, optimize=True)
    return buffer.getvalue()
