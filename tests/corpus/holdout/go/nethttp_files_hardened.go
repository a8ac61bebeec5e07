// Command files serves user documents and fetches partner feeds, with the checks from the security review.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const docsRoot = "/srv/docs"

var allowedFeedHosts = map[string]bool{"feeds.partner-one.example": true, "data.partner-two.example": true}

var client = &http.Client{Timeout: 10 * time.Second}

func safePath(root, name string) (string, error) {
	full := filepath.Join(root, filepath.Clean("/"+name))
	rel, err := filepath.Rel(root, full)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", errors.New("invalid path")
	}
	return full, nil
}

func documentHandler(w http.ResponseWriter, r *http.Request) {
	path, err := safePath(docsRoot, r.URL.Query().Get("name"))
	if err != nil {
		http.Error(w, "invalid name", http.StatusBadRequest)
		return
	}
	http.ServeFile(w, r, path) // ok: GO-PATH-001
}

func thumbnailHandler(w http.ResponseWriter, r *http.Request) {
	name := filepath.Base(r.URL.Query().Get("name"))
	data, err := os.ReadFile(filepath.Join(docsRoot, "thumbs", name)) // ok: GO-PATH-001
	if err != nil {
		log.Printf("thumbnail %q: %v", name, err) // ok: GO-LOG-001
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(data)
}

func feedHandler(w http.ResponseWriter, r *http.Request) {
	u, err := url.Parse(r.URL.Query().Get("feed"))
	if err != nil || u.Scheme != "https" || !allowedFeedHosts[u.Hostname()] {
		http.Error(w, "feed not allowed", http.StatusBadRequest)
		return
	}
	resp, err := client.Get(u.String()) // ok: GO-SSRF-001
	if err != nil {
		log.Printf("feed fetch failed: %v", err)
		http.Error(w, "upstream unavailable", http.StatusBadGateway) // ok: GO-ERRLEAK-001
		return
	}
	defer resp.Body.Close()
	io.Copy(w, io.LimitReader(resp.Body, 10<<20))
}

func userRepoHandler(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user")
	endpoint := "https://api.github.example/users/" + url.PathEscape(user) + "/repos"
	resp, err := client.Get(endpoint) // ok: GO-SSRF-001
	if err != nil {
		http.Error(w, "upstream unavailable", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	io.Copy(w, io.LimitReader(resp.Body, 1<<20))
}

func checksumHandler(w http.ResponseWriter, r *http.Request) {
	path, err := safePath(docsRoot, r.URL.Query().Get("name"))
	if err != nil {
		http.Error(w, "invalid name", http.StatusBadRequest)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	defer f.Close()
	h := sha256.New() // ok: GO-HASH-001
	io.Copy(h, f)
	w.Write([]byte(hex.EncodeToString(h.Sum(nil))))
}

func logoutHandler(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{ // ok: GO-COOKIE-001
		Name:     "session_id",
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/login", http.StatusSeeOther) // ok: GO-REDIRECT-001
}

func main() {
	http.HandleFunc("/docs", documentHandler)
	http.HandleFunc("/thumbs", thumbnailHandler)
	http.HandleFunc("/feed", feedHandler)
	http.HandleFunc("/repos", userRepoHandler)
	http.HandleFunc("/checksum", checksumHandler)
	http.HandleFunc("/logout", logoutHandler)
	log.Fatal(http.ListenAndServe(":8080", nil))
}
