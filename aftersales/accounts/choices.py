from django.db.models import Q

# Our own people: neither a customer's nor a dealer's user.
STAFF_ONLY = Q(customer__isnull=True, dealer__isnull=True)
