"""The page views kept: one row per public page per day."""

from django.db import models


class PageViewDay(models.Model):
    """How many times a public page was seen on one day (counting.py counts them).

    Only the page's path, the day and a number: nothing about the visitor."""

    path = models.CharField(max_length=255)
    day = models.DateField(db_index=True)
    views = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "page views on a day"
        verbose_name_plural = "page views by day"
        constraints = [
            models.UniqueConstraint(fields=["path", "day"], name="one_page_view_count_a_day")
        ]

    def __str__(self):
        return f"{self.path} on {self.day}: {self.views}"
