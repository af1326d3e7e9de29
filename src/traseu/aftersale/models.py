"""After the sale: the handoff to delivery, the follow-up call, the client's feedback.

A deal has at most one handoff and one follow-up (the database says so), both created when the
deal is first closed won; reopening and winning again keeps them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from traseu.crm.models import Activity, Deal


class HandoffStatus(models.TextChoices):
    CREATED = "created", _("Waiting for delivery")
    ACCEPTED = "accepted", _("Accepted by delivery")


class Handoff(models.Model):
    """What delivery needs to know about a won deal.

    ``sold`` is a list of line dicts (from the accepted proposal, else the deal itself);
    ``commitments`` a list of ``{"what": str, "due": "YYYY-MM-DD" | ""}``; ``contacts`` a
    snapshot of the deal's contacts at the close: ``{"name", "email", "phone", "job_title",
    "role"}``.
    """

    deal = models.OneToOneField(Deal, on_delete=models.CASCADE, related_name="handoff")
    sold = models.JSONField(_("what was sold"), default=list, blank=True)
    commitments = models.JSONField(_("commitments"), default=list, blank=True)
    contacts = models.JSONField(_("key contacts"), default=list, blank=True)
    risks = models.TextField(_("risks"), blank=True)
    delivery_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handoffs",
        verbose_name=_("delivery owner"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=HandoffStatus.choices, default=HandoffStatus.CREATED
    )
    created_at = models.DateTimeField(_("created"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["status", "-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=HandoffStatus.CREATED) | Q(accepted_at__isnull=False),
                name="handoff_accepted_has_date",
            )
        ]
        verbose_name = _("handoff")
        verbose_name_plural = _("handoffs")

    def __str__(self) -> str:
        return str(_("Handoff of %(deal)s") % {"deal": self.deal_id})


class FollowUpStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")


class FollowUpOutcome(models.TextChoices):
    REACHED = "reached", _("Spoke with the client")
    NOT_REACHED = "not_reached", _("Could not reach the client")


class FollowUp(models.Model):
    """The call after the sale, planned inside the process's window and worked as a task.

    ``activity`` is the call task in the CRM (so it shows in My work, the deal's tasks and the
    calendar feed); completing the follow-up completes it.
    """

    deal = models.OneToOneField(Deal, on_delete=models.CASCADE, related_name="follow_up")
    activity = models.OneToOneField(
        Activity, on_delete=models.PROTECT, related_name="follow_up", verbose_name=_("task")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"))
    window_start = models.DateField(_("window starts"))
    window_end = models.DateField(_("window ends"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=FollowUpStatus.choices,
        default=FollowUpStatus.SCHEDULED,
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=FollowUpOutcome.choices, blank=True
    )
    created_at = models.DateTimeField(_("created"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["status", "due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=FollowUpStatus.SCHEDULED)
                | (Q(completed_at__isnull=False) & ~Q(outcome="")),
                name="follow_up_done_has_outcome",
            )
        ]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return str(
            _("Follow-up of %(deal)s on %(due)s") % {"deal": self.deal_id, "due": self.due_on}
        )


class ReminderKind(models.TextChoices):
    BEFORE_DUE = "before_due", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


class Reminder(models.Model):
    """A reminder sent about a follow-up; the unique pair (follow-up, kind) means each kind is
    sent at most once, even with several workers."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=12, choices=ReminderKind.choices)
    recipient = models.EmailField(_("sent to"), blank=True)
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        ordering = ["follow_up", "sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["follow_up", "kind"], name="reminder_once_per_kind")
        ]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self) -> str:
        return f"{self.follow_up_id}: {self.kind}"


class Feedback(models.Model):
    """What the client said on the follow-up call."""

    follow_up = models.OneToOneField(FollowUp, on_delete=models.CASCADE, related_name="feedback")
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="feedback")
    nps = models.PositiveSmallIntegerField(_("likelihood to recommend (0-10)"))
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1-5)"))
    comment = models.TextField(_("what the client said"), blank=True)
    received_at = models.DateTimeField(_("received"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["received_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(nps__lte=10), name="feedback_nps_0_10"),
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1) & Q(satisfaction__lte=5),
                name="feedback_satisfaction_1_5",
            ),
        ]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"NPS {self.nps} ({self.deal_id})"


class IssueCategory(models.TextChoices):
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")
    DELIVERY = "delivery", _("Delivery")
    SALES = "sales", _("Sales")


class FeedbackIssue(models.Model):
    """A problem the client raised. It is open until the task made from it is done."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="issues")
    category = models.CharField(_("category"), max_length=10, choices=IssueCategory.choices)
    description = models.CharField(_("issue"), max_length=300)
    task = models.OneToOneField(
        Activity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_issue",
        verbose_name=_("task"),
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["feedback", "pk"]
        verbose_name = _("feedback issue")
        verbose_name_plural = _("feedback issues")

    def __str__(self) -> str:
        return self.description


class CalendarFeed(models.Model):
    """A user's secret calendar address. Only the token's SHA-256 is stored; regenerating
    replaces it (the old address answers 404) and turning the feed off deletes the row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
