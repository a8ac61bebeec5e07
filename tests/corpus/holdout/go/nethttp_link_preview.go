// Command preview serves link previews, downloads and a signed webhook for the chat app.
package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
)

const uploadDir = "/var/lib/preview/uploads"

var webhookSecret = os.Getenv("WEBHOOK_SECRET")

type Preview struct {
	URL    string `json:"url"`
	Status int    `json:"status"`
	Bytes  int    `json:"bytes"`
}

func previewHandler(w http.ResponseWriter, r *http.Request) {
	target := r.URL.Query().Get("url")
	if target == "" {
		http.Error(w, "missing url", http.StatusBadRequest)
		return
	}
	resp, err := http.Get(target) // expect: GO-SSRF-001
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway) // expect: GO-ERRLEAK-001
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	json.NewEncoder(w).Encode(Preview{URL: target, Status: resp.StatusCode, Bytes: len(body)})
}

func avatarProxy(w http.ResponseWriter, r *http.Request) {
	src := r.FormValue("src")
	req, err := http.NewRequest(http.MethodGet, src, nil) // expect: GO-SSRF-001
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, fmt.Sprintf("fetch failed: %v", err), http.StatusInternalServerError) // expect: GO-ERRLEAK-001
		return
	}
	defer resp.Body.Close()
	io.Copy(w, resp.Body)
}

func downloadHandler(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("file")
	path := filepath.Join(uploadDir, name)
	http.ServeFile(w, r, path) // expect: GO-PATH-001
}

func readNote(w http.ResponseWriter, r *http.Request) {
	data, err := os.ReadFile(filepath.Join(uploadDir, "notes", r.PathValue("name"))) // expect: GO-PATH-001
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Write(data)
}

func loginRedirect(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: "session_id", Value: newSessionID(), Path: "/"}) // expect: GO-COOKIE-001
	returnTo := r.URL.Query().Get("return_to")
	http.Redirect(w, r, returnTo, http.StatusSeeOther) // expect: GO-REDIRECT-001
}

func webhookHandler(w http.ResponseWriter, r *http.Request) {
	payload, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	mac := hmac.New(sha256.New, []byte(webhookSecret))
	mac.Write(payload)
	expected := hex.EncodeToString(mac.Sum(nil))
	signature := r.Header.Get("X-Signature")
	if signature != expected { // expect: GO-TIMING-001
		log.Printf("bad webhook signature from %s: %s", r.RemoteAddr, signature) // expect: GO-LOG-001
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func newSessionID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func main() {
	http.HandleFunc("/preview", previewHandler)
	http.HandleFunc("/avatar", avatarProxy)
	http.HandleFunc("/download", downloadHandler)
	http.HandleFunc("/notes/{name}", readNote)
	http.HandleFunc("/login/done", loginRedirect)
	http.HandleFunc("/webhook", webhookHandler)
	log.Fatal(http.ListenAndServe(":8080", nil))
}
