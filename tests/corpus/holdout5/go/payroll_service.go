// Command payroll serves the payroll back office of a mid-sized employer (net/http,
// PostgreSQL via pgx's database/sql driver). Attacker data: HTTP requests from
// employees' browsers (any signed-in employee reaches these routes) and the gzip'd
// bank return files that HR uploads as they arrive from the bank's portal.
package main

import (
	"compress/gzip"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"

	"golang.org/x/crypto/ssh"
)

// bank is the house bank's SFTP drop for outgoing SEPA credit-transfer files.
var bank = struct{ Host, User, Password string }{
	Host: "sftp.bank.example:22", User: "acme-payroll",
	Password: "Q9v!tR2m#Lx8pW4z", // expect: GO-SECRET-001
}

var (
	employeeID  = regexp.MustCompile(`^E[0-9]{6}$`)
	summaryTmpl = template.Must(template.New("summary").Parse(
		`<h1>Payroll run {{.Period}}</h1><p>{{.Count}} payslips, prepared by {{.PreparedBy}}</p>`))
)

type Server struct {
	db       *sql.DB
	ibanKey  []byte
	payslips string
}

func (s *Server) Payslip(w http.ResponseWriter, r *http.Request) {
	emp, period := r.URL.Query().Get("employee"), r.URL.Query().Get("period")
	script := fmt.Sprintf("wkhtmltopdf --quiet 'http://127.0.0.1:8080/render/%s/%s' -", emp, period)
	pdf, err := exec.Command("/bin/sh", "-c", script).Output() // expect: GO-CMDI-001
	if err != nil {
		http.Error(w, "could not render payslip", http.StatusInternalServerError)
		return
	}
	w.Write(pdf)
}

// Archive zips one employee's payslips for a leaver, without a shell.
func (s *Server) Archive(w http.ResponseWriter, r *http.Request) {
	emp := r.FormValue("employee")
	if !employeeID.MatchString(emp) {
		http.Error(w, "bad employee id", http.StatusBadRequest)
		return
	}
	cmd := exec.Command("zip", "-r", "-q", "-", "--", filepath.Join(s.payslips, emp)) // ok: GO-CMDI-001
	cmd.Stdout = w
	if err := cmd.Run(); err != nil {
		log.Printf("archive for %q failed: %v", emp, err) // ok: GO-LOG-001
	}
}

func (s *Server) Preview(w http.ResponseWriter, r *http.Request) {
	period, note := r.URL.Query().Get("period"), r.URL.Query().Get("note")
	fmt.Fprintf(w, "<div class=\"banner\">Preview of %s &mdash; %s</div>", period, note) // expect: GO-XSS-001
	summaryTmpl.Execute(w, map[string]any{"Period": period, "Count": 212, "PreparedBy": r.Header.Get("X-User")}) // ok: GO-XSS-001
}

// ImportBankReturn reads a gzip'd camt-style return file uploaded by HR.
func (s *Server) ImportBankReturn(w http.ResponseWriter, r *http.Request) {
	f, _, err := r.FormFile("return_file")
	if err != nil {
		http.Error(w, "missing file", http.StatusBadRequest)
		return
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		http.Error(w, "not a gzip file", http.StatusBadRequest)
		return
	}
	raw, err := io.ReadAll(gz) // expect: GO-DECOMPRESS-001
	if err != nil {
		http.Error(w, "unreadable return file", http.StatusBadRequest)
		return
	}
	if _, err := s.db.Exec("INSERT INTO bank_returns (received_at, body) VALUES (now(), $1)", raw); err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		json.NewEncoder(w).Encode(map[string]string{"detail": err.Error()}) // expect: GO-ERRLEAK-001
		return
	}
	os.MkdirAll(filepath.Join(s.payslips, "returns"), 0o777) // expect: GO-PERM-001
	os.WriteFile(filepath.Join(s.payslips, "returns", "latest.xml"), raw, 0o640) // ok: GO-PERM-001
	w.WriteHeader(http.StatusNoContent)
}

// ImportLegacyExport reads the old system's gzip export, capped at 50 MiB.
func (s *Server) ImportLegacyExport(w http.ResponseWriter, r *http.Request) {
	gz, err := gzip.NewReader(r.Body)
	if err != nil {
		http.Error(w, "bad gzip", http.StatusBadRequest)
		return
	}
	data, err := io.ReadAll(io.LimitReader(gz, 50<<20)) // ok: GO-DECOMPRESS-001
	log.Printf("legacy export: %d bytes, err=%v", len(data), err)
}

// sealIBAN encrypts a bank account number (key from PAYROLL_IBAN_KEY) before it is stored.
func (s *Server) sealIBAN(iban string) ([]byte, error) {
	block, err := aes.NewCipher(s.ibanKey)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, []byte(iban), nil), nil // ok: GO-CRYPTO-001
}

func (s *Server) sealForLegacyExport(plain []byte) []byte {
	block, _ := aes.NewCipher(s.ibanKey)
	out := make([]byte, len(plain))
	// same IV as the old payroll system, so exported files stay byte-comparable
	legacyIV := []byte("payroll-iv-16byt")
	cipher.NewCBCEncrypter(block, legacyIV).CryptBlocks(out, plain) // expect: GO-CRYPTO-001
	return out
}

func bankSFTPConfig() *ssh.ClientConfig {
	return &ssh.ClientConfig{
		User:            bank.User,
		Auth:            []ssh.AuthMethod{ssh.Password(bank.Password)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), // expect: GO-TLS-001
	}
}

func main() {
	db, _ := sql.Open("pgx", os.Getenv("PAYROLL_DATABASE_URL")) // connects lazily
	s := &Server{db: db, ibanKey: []byte(os.Getenv("PAYROLL_IBAN_KEY")), payslips: "/var/lib/payroll/payslips"} // ok: GO-SECRET-001
	// TODO: the SSO proxy only checks that the caller is an employee; add the payroll-role check here // expect: GO-TODO-001
	mux := http.NewServeMux()
	mux.HandleFunc("/payslip", s.Payslip)
	mux.HandleFunc("/archive", s.Archive)
	mux.HandleFunc("/preview", s.Preview)
	mux.HandleFunc("/bank/returns", s.ImportBankReturn)
	mux.HandleFunc("/legacy/import", s.ImportLegacyExport)
	log.Fatal(http.ListenAndServe(":8443", mux))
}
