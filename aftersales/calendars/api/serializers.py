
from aftersales.core.strict import StrictModelSerializer

from ..models import WorkingCalendar, WorkingPeriod
from ..services import calendar_save


class WorkingPeriodSerializer(StrictModelSerializer):
    class Meta:
        model = WorkingPeriod
        fields = ["start", "end"]


class CalendarSerializer(StrictModelSerializer):
    periods = WorkingPeriodSerializer(many=True, required=False)

    class Meta:
        model = WorkingCalendar
        fields = ["id", "code", "name", "always_open", "is_default", "periods", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def _periods(self, validated_data):
        periods = validated_data.pop("periods", None)
        return None if periods is None else [(p["start"], p["end"]) for p in periods]

    def create(self, validated_data):
        periods = self._periods(validated_data)
        return calendar_save(calendar=None, data=validated_data, periods=periods)

    def update(self, instance, validated_data):
        periods = self._periods(validated_data)
        return calendar_save(calendar=instance, data=validated_data, periods=periods)
