package com.example.portal;

import java.beans.XMLDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.PrintWriter;
import java.net.HttpURLConnection;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import javax.sql.DataSource;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.w3c.dom.Document;

@WebServlet("/portal/*")
public class LegacyPortalServlet extends HttpServlet {

    private static final String DB_PASSWORD = "Portal#2024!admin"; // expect: JAVA-SECRET-001

    private DataSource dataSource;
    private boolean strictXml = Boolean.getBoolean("portal.strictXml");

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
        String action = request.getPathInfo();
        if ("/continue".equals(action)) {
            String next = request.getParameter("next");
            response.sendRedirect(next); // expect: JAVA-REDIRECT-001
        } else if ("/preview".equals(action)) {
            String target = request.getParameter("target");
            HttpURLConnection conn = (HttpURLConnection) new URL(target).openConnection(); // expect: JAVA-SSRF-001
            conn.setConnectTimeout(3000);
            try (InputStream in = conn.getInputStream()) {
                response.setContentType("text/html");
                in.transferTo(response.getOutputStream());
            }
        }
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
        String action = request.getPathInfo();
        try {
            if ("/session/restore".equals(action)) {
                ObjectInputStream ois = new ObjectInputStream(request.getInputStream());
                Object state = ois.readObject(); // expect: JAVA-DESER-001
                request.getSession().setAttribute("portalState", state);
            } else if ("/layout".equals(action)) {
                XMLDecoder decoder = new XMLDecoder(request.getInputStream()); // expect: JAVA-DESER-001
                request.getSession().setAttribute("layout", decoder.readObject());
            } else if ("/import".equals(action)) {
                DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance(); // expect: JAVA-XXE-001
                if (strictXml) {
                    dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                }
                DocumentBuilder builder = dbf.newDocumentBuilder();
                Document doc = builder.parse(request.getInputStream());
                response.getWriter().println("Imported " + doc.getDocumentElement().getChildNodes().getLength() + " nodes");
            } else if ("/reset".equals(action)) {
                requestReset(request, response);
            }
        } catch (Exception e) {
            response.setStatus(500);
            e.printStackTrace(response.getWriter()); // expect: JAVA-ERRLEAK-001
        }
    }

    private void requestReset(HttpServletRequest request, HttpServletResponse response) throws Exception {
        String email = request.getParameter("email");
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id FROM users WHERE email = ?")) {
            ps.setString(1, email);
            ResultSet rs = ps.executeQuery();
            PrintWriter out = response.getWriter();
            if (!rs.next()) {
                response.setStatus(404);
                out.println("No account is registered with that email address"); // expect: JAVA-ENUM-001
                return;
            }
            out.println("A reset link has been sent");
        }
    }
}
