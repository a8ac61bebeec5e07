// Package streaming is the catalogue and playback API of a small music streaming service (gin + database/sql
// on PostgreSQL). Attacker data: query strings and path segments of the web/mobile players, JSON bodies of
// playlist imports (including the M3U URL a listener pastes in), and the bitrate a client asks for.
package streaming

import (
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

type streamingConfig struct {
	LibraryRoot   string
	CoverRoot     string
	CDNSigningKey string
	LyricsBaseURL string
}

var cfg = streamingConfig{
	LibraryRoot:   "/srv/music/library",
	CoverRoot:     "/srv/music/covers",
	CDNSigningKey: "c4f1e09a7b2d4e6f8a13b5c7d9e0f214a6b8c0d2", // expect: GO-SECRET-001
	LyricsBaseURL: "https://lyrics.internal.example/v1/tracks/",
}

type API struct{ DB *sql.DB }

var sortColumns = map[string]string{
	"title":  "t.title",
	"artist": "a.name",
	"plays":  "t.play_count",
}

// SearchTracks lists tracks of one genre, sorted by a column the client picks from a fixed set.
func (a *API) SearchTracks(c *gin.Context) {
	col, ok := sortColumns[c.DefaultQuery("sort", "title")]
	if !ok {
		col = "t.title"
	}
	q := "SELECT t.id, t.title, a.name FROM tracks t JOIN artists a ON a.id = t.artist_id WHERE t.genre = $1 ORDER BY " + col + " LIMIT $2"
	rows, err := a.DB.Query(q, c.Query("genre"), 50) // ok: GO-SQLI-001
	if err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": "search failed"}) // ok: GO-ERRLEAK-001
		return
	}
	defer rows.Close()
	c.JSON(http.StatusOK, scanTracks(rows))
}

// AlbumTracks is the older album endpoint the desktop client still calls.
func (a *API) AlbumTracks(c *gin.Context) {
	album := c.Param("album")
	order := c.DefaultQuery("order", "track_no")
	query := fmt.Sprintf("SELECT id, title, duration FROM tracks WHERE album_slug = '%s' ORDER BY %s", album, order)
	rows, err := a.DB.Query(query) // expect: GO-SQLI-001
	if err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()}) // expect: GO-ERRLEAK-001
		return
	}
	defer rows.Close()
	c.JSON(http.StatusOK, scanTracks(rows))
}

// Stream serves the audio file of a track once the CDN signature on the link is checked.
func (a *API) Stream(c *gin.Context) {
	file := c.Param("file")
	expires := c.Query("exp")
	if signLink(file, expires) != c.Query("sig") { // expect: GO-TIMING-001
		c.AbortWithStatus(http.StatusForbidden)
		return
	}
	c.File(filepath.Join(cfg.LibraryRoot, file)) // expect: GO-PATH-001
}

// Cover serves album art; only the base name of the requested file is used.
func (a *API) Cover(c *gin.Context) {
	name := filepath.Base(c.Param("name"))
	c.File(filepath.Join(cfg.CoverRoot, name)) // ok: GO-PATH-001
}

func signLink(file, expires string) string {
	mac := hmac.New(sha256.New, []byte(cfg.CDNSigningKey))
	mac.Write([]byte(file + "|" + expires))
	return hex.EncodeToString(mac.Sum(nil))
}

type importRequest struct {
	Name string `json:"name" binding:"required"`
	URL  string `json:"m3u_url" binding:"required"`
}

// ImportPlaylist downloads an M3U playlist the listener links to and matches its entries to our catalogue.
func (a *API) ImportPlaylist(c *gin.Context) {
	var req importRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()}) // ok: GO-ERRLEAK-001
		return
	}
	log.Printf("playlist import %s requested by %s", req.Name, c.GetString("userID")) // expect: GO-LOG-001
	resp, err := http.Get(req.URL) // expect: GO-SSRF-001
	if err != nil {
		c.JSON(http.StatusBadGateway, gin.H{"error": "could not fetch playlist"})
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	slog.Info("playlist fetched", "name", req.Name, "bytes", len(body)) // ok: GO-LOG-001
	c.JSON(http.StatusAccepted, gin.H{"entries": strings.Count(string(body), "\n")})
}

// Lyrics proxies the lyrics service, which only ever lives on our own host.
func (a *API) Lyrics(c *gin.Context) {
	resp, err := http.Get(cfg.LyricsBaseURL + url.PathEscape(c.Param("id"))) // ok: GO-SSRF-001
	if err != nil {
		c.Status(http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	c.DataFromReader(http.StatusOK, resp.ContentLength, "text/plain", resp.Body, nil)
}

// Transcode prepares a lower-bitrate copy for mobile clients on a cellular connection.
func (a *API) Transcode(c *gin.Context) {
	src := filepath.Join(cfg.LibraryRoot, filepath.Base(c.Param("file")))
	bitrate := c.DefaultQuery("bitrate", "128k")
	script := "ffmpeg -y -i " + src + " -b:a " + bitrate + " " + src + ".mobile.ogg"
	if err := exec.Command("sh", "-c", script).Run(); err != nil { // expect: GO-CMDI-001
		c.Status(http.StatusInternalServerError)
	}
}

// Preview cuts a 30 second preview; the arguments never pass through a shell.
func Preview(src, dst string, startSec int) error {
	return exec.Command("ffmpeg", "-y", "-ss", strconv.Itoa(startSec), "-t", "30", "-i", src, dst).Run() // ok: GO-CMDI-001
}

func scanTracks(rows *sql.Rows) (out []map[string]any) {
	for rows.Next() {
		var id int64
		var title, extra string
		if rows.Scan(&id, &title, &extra) == nil {
			out = append(out, map[string]any{"id": id, "title": title, "extra": extra})
		}
	}
	return out
}
