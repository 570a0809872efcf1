"""Collections in the admin, and the rule that limits a curator to some of them."""

from django.contrib import admin

from archive.models import Collection
from archive.models.collections import is_limited_curator


class CuratedCollections:
    """A curator named by some collections (Collection.curators) sees and curates only their
    records; everyone else, every collection's. `collection_path` leads to the collection."""

    collection_path = "collection"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not is_limited_curator(request.user):
            return queryset
        return queryset.filter(**{f"{self.collection_path}__curators": request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "collection":
            kwargs["queryset"] = Collection.objects.curated_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["title", "external_id", "position", "created"]
    search_fields = ["title", "external_id"]
    prepopulated_fields = {"external_id": ["title"]}
    filter_horizontal = ["curators"]
    fields = [
        "title",
        "external_id",
        "introduction",
        "licence",
        "citation",
        "position",
        "noindex",
        "curators",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request) & Collection.objects.curated_by(request.user)
