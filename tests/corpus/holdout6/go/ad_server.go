// Command adserver is the delivery edge of a small display-ad network: clicks, impressions, advertiser creative
// bundles (zip) and a live-spend socket for the campaign dashboard. Attacker data: query strings of ad tags on
// third-party publisher pages, advertiser-uploaded zip bundles and their entry names, any page that opens the socket.
package main

import (
	"archive/zip"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	mrand "math/rand"
	"net/http"
	_ "net/http/pprof"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

var (
	db          *sql.DB
	priceKey    = []byte(os.Getenv("WIN_PRICE_KEY"))
	winPriceIV  = []byte("adnet-price-iv16")
	bundleRoot  = "/var/lib/adserver/creatives"
	advertToken = os.Getenv("ADVERTISER_API_TOKEN")
)

var upgrader = websocket.Upgrader{
	CheckOrigin: func(r *http.Request) bool { return true }, // expect: GO-WEBSOCKET-001
}

// encryptWinPriceLegacy is what the v1 exchange integration still uses.
func encryptWinPriceLegacy(micros int64) string {
	block, _ := aes.NewCipher(priceKey)
	plain := []byte(fmt.Sprintf("%016d", micros))
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, winPriceIV).CryptBlocks(out, plain) // expect: GO-CRYPTO-001
	return base64.URLEncoding.EncodeToString(out)
}

// encryptWinPrice seals the clearing price with AES-GCM and a fresh nonce (v2 exchanges).
func encryptWinPrice(micros int64) string {
	block, _ := aes.NewCipher(priceKey)
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce) // never fails since Go 1.24
	return base64.URLEncoding.EncodeToString(gcm.Seal(nonce, nonce, []byte(strconv.FormatInt(micros, 10)), nil)) // ok: GO-CRYPTO-001
}

func click(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	log.Printf("click creative=%q placement=%q", q.Get("cr"), q.Get("pl")) // ok: GO-LOG-001
	if landing := q.Get("landing"); landing != "" {
		http.Redirect(w, r, landing, http.StatusFound) // expect: GO-REDIRECT-001
		return
	}
	var stored string
	id, _ := strconv.ParseInt(q.Get("cr"), 10, 64)
	if err := db.QueryRow("SELECT landing_url FROM creatives WHERE id = $1", id).Scan(&stored); err != nil {
		http.NotFound(w, r)
		return
	}
	http.Redirect(w, r, stored, http.StatusFound) // ok: GO-REDIRECT-001
}

func impression(w http.ResponseWriter, r *http.Request) {
	if mrand.Float64() < 0.01 { // ok: GO-RAND-001
		log.Printf("sampled impression placement=%q ua=%q", r.URL.Query().Get("pl"), r.UserAgent())
	}
	w.WriteHeader(http.StatusNoContent)
}

func campaignReport(w http.ResponseWriter, r *http.Request) {
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Api-Token")), []byte(advertToken)) != 1 { // ok: GO-TIMING-001
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	id, err := strconv.Atoi(r.URL.Query().Get("campaign"))
	if err != nil {
		http.Error(w, "campaign must be numeric", http.StatusBadRequest)
		return
	}
	query := fmt.Sprintf("SELECT day, impressions, clicks FROM daily_stats WHERE campaign_id = %d ORDER BY day", id)
	rows, err := db.Query(query) // ok: GO-SQLI-001
	if err != nil {
		http.Error(w, "report unavailable", http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	var day string
	var imps, clicks int64
	for rows.Next() {
		if rows.Scan(&day, &imps, &clicks) == nil {
			fmt.Fprintf(w, "%s,%d,%d\n", day, imps, clicks)
		}
	}
}

func uploadBundle(w http.ResponseWriter, r *http.Request) {
	f, hdr, err := r.FormFile("bundle")
	if err != nil {
		http.Error(w, "missing bundle", http.StatusBadRequest)
		return
	}
	zr, err := zip.NewReader(f, hdr.Size)
	if err != nil {
		http.Error(w, "not a zip file", http.StatusBadRequest)
		return
	}
	dest := filepath.Join(bundleRoot, strconv.FormatInt(time.Now().UnixNano(), 36))
	if err := os.MkdirAll(dest, 0o750); err != nil {
		http.Error(w, "storage unavailable", http.StatusInternalServerError)
		return
	}
	for _, e := range zr.File {
		out, err := os.OpenFile(filepath.Join(dest, e.Name), os.O_CREATE|os.O_WRONLY, 0o640) // expect: GO-ZIPSLIP-001
		if err != nil {
			continue
		}
		in, _ := e.Open()
		io.Copy(out, io.LimitReader(in, 5<<20))
		out.Close()
	}
}

func liveSpend(w http.ResponseWriter, r *http.Request) {
	if conn, err := upgrader.Upgrade(w, r, nil); err == nil {
		defer conn.Close()
		conn.WriteJSON(map[string]string{"status": "subscribed"})
	}
}

func main() {
	bidders, err := grpc.NewClient("bidders.internal.example:7443", grpc.WithTransportCredentials(insecure.NewCredentials())) // expect: GO-TLS-001
	if err != nil {
		log.Fatal(err)
	}
	defer bidders.Close()
	go http.ListenAndServe(":6060", nil) // expect: GO-DEBUG-001
	mux := http.NewServeMux()
	mux.HandleFunc("/c", click)
	mux.HandleFunc("/i", impression)
	mux.HandleFunc("/report", campaignReport)
	mux.HandleFunc("/bundles", uploadBundle)
	mux.HandleFunc("/live", liveSpend)
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS10} // expect: GO-TLS-002
	srv := &http.Server{Addr: ":443", Handler: mux, TLSConfig: tlsCfg}
	log.Fatal(srv.ListenAndServeTLS("/etc/adserver/tls.crt", "/etc/adserver/tls.key"))
}
