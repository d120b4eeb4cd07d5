import { Body, Button, Container, Head, Heading, Hr, Html, Link, Preview, Section, Text } from "@react-email/components";
import type { ReactNode } from "react";

// The shop's look in e-mail: the same ink, paper and green accent as app/globals.css, inline styles only (mail
// clients ignore style sheets).
export const colors = { ink: "#1d1f23", muted: "#666b75", line: "#e4e4e0", paper: "#fbfaf7", card: "#ffffff", accent: "#1f5f4a" };
const font = 'ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

export function Layout(props: { preview: string; heading: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <Html lang="en">
      <Head />
      <Preview>{props.preview}</Preview>
      <Body style={{ backgroundColor: colors.paper, color: colors.ink, fontFamily: font, margin: 0, padding: "24px 0" }}>
        <Container style={{ maxWidth: 560, backgroundColor: colors.card, border: `1px solid ${colors.line}`, borderRadius: 10, padding: "24px 28px" }}>
          <Text style={{ fontSize: 20, fontWeight: 800, letterSpacing: "-0.02em", margin: "0 0 16px" }}>
            Cartwright <span style={{ color: colors.accent, fontWeight: 500 }}>Supply</span>
          </Text>
          <Heading as="h1" style={{ fontSize: 22, margin: "0 0 12px" }}>
            {props.heading}
          </Heading>
          {props.children}
          <Hr style={{ borderColor: colors.line, margin: "24px 0 12px" }} />
          <Text style={{ color: colors.muted, fontSize: 12, margin: 0 }}>
            Cartwright Supply · You get this message because of an order, a cart or an account at our shop.
          </Text>
          {props.footer}
        </Container>
      </Body>
    </Html>
  );
}

export function P({ children }: { children: ReactNode }) {
  return <Text style={{ fontSize: 15, lineHeight: "22px", margin: "0 0 12px" }}>{children}</Text>;
}

export function Muted({ children }: { children: ReactNode }) {
  return <Text style={{ fontSize: 13, lineHeight: "20px", color: colors.muted, margin: "0 0 12px" }}>{children}</Text>;
}

export function Action({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Section style={{ margin: "8px 0 16px" }}>
      <Button href={href} style={{ backgroundColor: colors.accent, color: "#ffffff", borderRadius: 8, padding: "12px 18px", fontWeight: 600, fontSize: 15 }}>
        {children}
      </Button>
      <Text style={{ fontSize: 12, color: colors.muted, margin: "8px 0 0", wordBreak: "break-all" }}>
        Or open this link: <Link href={href}>{href}</Link>
      </Text>
    </Section>
  );
}

/** Label / value rows (lines of an order, totals). */
export function Rows({ rows }: { rows: { label: ReactNode; value: ReactNode; strong?: boolean }[] }) {
  return (
    <table role="presentation" width="100%" cellPadding={0} cellSpacing={0} style={{ borderCollapse: "collapse", margin: "4px 0 16px" }}>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            <td style={{ padding: "6px 0", borderBottom: `1px solid ${colors.line}`, fontSize: 14, fontWeight: r.strong ? 700 : 400 }}>{r.label}</td>
            <td style={{ padding: "6px 0", borderBottom: `1px solid ${colors.line}`, fontSize: 14, textAlign: "right", fontWeight: r.strong ? 700 : 400 }}>{r.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
