"""Django views for Castwell, a podcast hosting service.

Podcasters sign in, upload episodes, import an existing show from its RSS feed and see listener stats;
listeners search the public directory and download audio; an analytics partner posts play counts.
Attacker data: GET/POST parameters, uploaded audio files and their names, the RSS URL and the feed's
content, and the partner's webhook requests.
"""
import hashlib
import hmac
import logging
import os
import subprocess
from urllib.parse import quote

import requests
from django.conf import settings
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils._os import safe_join
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from .models import Episode, PlayCount, Show

log = logging.getLogger("castwell")
PARTNER_API_KEY = settings.ANALYTICS_PARTNER_KEY
DIRECTORY_API = "https://directory.castwell.example/v1/shows/"
EPISODE_ORDER = {"newest": "published_at DESC", "oldest": "published_at ASC", "longest": "duration DESC"}


@require_POST
@ratelimit(key="ip", rate="5/m", block=True)
def podcaster_login(request):  # ok: PY-RATE-001
    user = authenticate(request, username=request.POST.get("email"), password=request.POST.get("password"))
    if user is None:
        return render(request, "login.html", {"error": "Invalid e-mail or password"}, status=401)
    login(request, user)
    target = request.POST.get("next", "/studio/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=True):
        target = "/studio/"
    return redirect(target)  # ok: PY-REDIRECT-001


def logout_and_return(request):
    request.session.flush()
    return redirect(request.GET.get("return_to", "/"))  # expect: PY-REDIRECT-001


@login_required
def choose_show(request):
    show = get_object_or_404(Show, pk=int(request.POST["show_id"]), owner=request.user)
    request.session["active_show"] = show.pk  # ok: PY-TRUST-001
    request.session["studio_role"] = request.POST.get("role", "host")  # expect: PY-TRUST-001
    return redirect("/studio/")


def directory_search(request):
    q = request.GET.get("q", "").strip()
    shows = Show.objects.filter(title__icontains=q, public=True)[:50]
    if not shows:
        return HttpResponse(f"<p>No shows match <b>{escape(q)}</b>.</p>")  # ok: PY-XSS-003
    return render(request, "directory.html", {"shows": shows, "q": q})


def tag_page(request, tag):
    episodes = Episode.objects.filter(tags__name=tag, show__public=True)
    if not episodes.exists():
        return HttpResponse(f"Nothing tagged {tag} yet")  # expect: PY-XSS-003
    return render(request, "tag.html", {"episodes": episodes, "tag": tag})


def show_episodes(request, show_id):
    order = EPISODE_ORDER.get(request.GET.get("order"), "published_at DESC")
    sql = "SELECT * FROM podcasts_episode WHERE show_id = %s ORDER BY " + order
    episodes = Episode.objects.raw(sql, [show_id])  # ok: PY-SQLI-001
    return render(request, "episodes.html", {"episodes": episodes})


def episode_search(request, show_id):
    term = request.GET.get("term", "")
    episodes = Episode.objects.raw(  # expect: PY-SQLI-001
        f"SELECT * FROM podcasts_episode WHERE show_id = {int(show_id)} AND title ILIKE '%%{term}%%'"
    )
    return render(request, "episodes.html", {"episodes": episodes})


def download_audio(request, show_slug):
    name = request.GET["file"]
    try:
        path = safe_join(settings.MEDIA_ROOT, "audio", show_slug, name)
    except Exception:
        raise Http404
    return FileResponse(open(path, "rb"), as_attachment=True)  # ok: PY-PATH-001


def download_transcript(request, show_slug):
    name = request.GET["file"]
    return FileResponse(open(os.path.join(settings.MEDIA_ROOT, "transcripts", show_slug, name), "rb"))  # expect: PY-PATH-001


@login_required
@require_POST
def upload_episode(request, show_id):
    show = get_object_or_404(Show, pk=show_id, owner=request.user)
    audio = request.FILES["audio"]
    src = os.path.join(settings.MEDIA_ROOT, "incoming", f"{show.pk}-{audio.size}.upload")
    with open(src, "wb") as out:
        for chunk in audio.chunks():
            out.write(chunk)
    bitrate = request.POST.get("bitrate", "128k")
    dest = os.path.join(settings.MEDIA_ROOT, "audio", show.slug, audio.name)
    os.system(f"ffmpeg -y -i {src} -b:a {bitrate} {dest}.mp3")  # expect: PY-CMDI-001
    subprocess.run(["ffprobe", "-v", "error", "-show_format", src], check=True, capture_output=True)  # ok: PY-CMDI-001
    return JsonResponse({"ok": True})


@login_required
@require_POST
def delete_episode(request, episode_id):
    # TODO(security): any signed-in podcaster can delete any episode for now, restrict to the show owner  # expect: PY-TODO-001
    get_object_or_404(Episode, pk=episode_id).delete()
    return JsonResponse({"deleted": episode_id})


@login_required
def import_feed(request):
    feed_url = request.POST["feed_url"]
    resp = requests.get(feed_url, timeout=15)  # expect: PY-SSRF-001
    listing = requests.get(DIRECTORY_API + quote(request.POST["slug"], safe=""), timeout=5)  # ok: PY-SSRF-001
    return JsonResponse({"bytes": len(resp.content), "listed": listing.ok})


@login_required
def private_feed_link(request, show_id):
    show = get_object_or_404(Show, pk=show_id, owner=request.user)
    token = hashlib.md5(f"{request.user.pk}:{show.pk}".encode()).hexdigest()  # expect: PY-HASH-002
    return JsonResponse({"url": f"https://feeds.castwell.example/private/{show.slug}?t={token}"})


@require_POST
def partner_play_counts(request):
    if request.headers.get("X-Partner-Key") != PARTNER_API_KEY:  # expect: PY-TIMING-001
        return HttpResponseForbidden()
    digest = hmac.new(PARTNER_API_KEY.encode(), request.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(digest, request.headers.get("X-Partner-Signature", "")):  # ok: PY-TIMING-001
        return HttpResponseForbidden()
    for row in request.POST.getlist("episode"):
        PlayCount.objects.create(episode_id=int(row), source="partner")
    return JsonResponse({"ok": True})
