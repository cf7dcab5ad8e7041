<?xml version="1.0" encoding="UTF-8"?>
<!-- jobfeed 0.2.0: shows an Atom or RSS feed of jobfeed as a page when a browser opens it.
     Feed readers ignore this file. No script, no request to any other file. -->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  exclude-result-prefixes="atom content">
<xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat" indent="no"/>

<!-- The text of an entry's HTML (given as escaped text by the feed), its tags taken out. -->
<xsl:template name="text-of">
<xsl:param name="html"/>
<xsl:choose>
<xsl:when test="contains($html, '&lt;')">
<xsl:value-of select="substring-before($html, '&lt;')"/>
<xsl:call-template name="text-of">
<xsl:with-param name="html" select="substring-after(substring-after($html, '&lt;'), '&gt;')"/>
</xsl:call-template>
</xsl:when>
<xsl:otherwise><xsl:value-of select="$html"/></xsl:otherwise>
</xsl:choose>
</xsl:template>

<!-- An entry's link, resolved against the feed's xml:base when it is relative. -->
<xsl:template name="href">
<xsl:param name="href"/>
<xsl:choose>
<xsl:when test="contains($href, '://')"><xsl:value-of select="$href"/></xsl:when>
<xsl:otherwise><xsl:value-of select="concat(/*/@xml:base, $href)"/></xsl:otherwise>
</xsl:choose>
</xsl:template>

<xsl:template name="role">
<xsl:param name="title"/>
<xsl:param name="href"/>
<xsl:param name="html"/>
<xsl:param name="summary"/>
<li class="role">
<h3><a><xsl:attribute name="href"><xsl:call-template name="href"><xsl:with-param name="href" select="$href"/></xsl:call-template></xsl:attribute><xsl:value-of select="$title"/></a></h3>
<xsl:if test="starts-with($html, '&lt;p&gt;&lt;strong&gt;')">
<p class="facts"><xsl:call-template name="text-of"><xsl:with-param name="html" select="substring-before($html, '&lt;/p&gt;')"/></xsl:call-template></p>
</xsl:if>
<xsl:if test="normalize-space($summary)">
<p class="muted"><xsl:value-of select="$summary"/></p>
</xsl:if>
</li>
</xsl:template>

<xsl:template match="/">
<xsl:variable name="title" select="atom:feed/atom:title | rss/channel/title"/>
<xsl:variable name="self" select="atom:feed/atom:link[@rel='self']/@href | rss/channel/atom:link[@rel='self']/@href"/>
<xsl:variable name="home" select="atom:feed/atom:link[@rel='alternate']/@href | rss/channel/link"/>
<html lang="fr">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<meta name="robots" content="noindex"/>
<link rel="icon" href="data:,"/>
<title><xsl:value-of select="$title"/> · flux</title>
<style>
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#4a4a4a;--line:#d0d0d0;--link:#0b4fa8;--accent:#0b4fa8;--box:#f4f6f9;--warn-bg:#fff3cd;--warn-fg:#4d3800}
@media (prefers-color-scheme:dark){:root{--fg:#ececec;--bg:#161616;--muted:#bdbdbd;--line:#444;--link:#8cb8ff;--accent:#8cb8ff;--box:#222;--warn-bg:#4d3800;--warn-fg:#fff3cd}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:1.0625rem/1.6 system-ui,-apple-system,&#34;Segoe UI&#34;,Roboto,&#34;Helvetica Neue&#34;,Arial,sans-serif;color:var(--fg);background:var(--bg)}
.wrap{max-width:48rem;margin:0 auto;padding:1rem 1.25rem 3rem}
a{color:var(--link);text-underline-offset:.15em}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:var(--bg);padding:.5rem 1rem}
.skip:focus{left:1rem}
h1{font-size:1.9rem;line-height:1.2;margin:1.5rem 0 .5rem}
h2{font-size:1.4rem;margin:2rem 0 .75rem}
h3{font-size:1.15rem;margin:1.5rem 0 .5rem}
.lead{color:var(--muted);margin:.25rem 0}
.muted{color:var(--muted)}
ul.roles{list-style:none;padding:0;margin:0}
.role{border-top:1px solid var(--line);padding:.9rem 0}
.role h4{font-size:1.1rem;margin:0 0 .25rem}
.role p{margin:.2rem 0}
.tag{display:inline-block;border:1px solid var(--line);border-radius:1rem;padding:0 .6rem;font-size:.9rem;margin-right:.35rem}
fieldset{border:1px solid var(--line);border-radius:.5rem;margin:0 0 .75rem;padding:.5rem .75rem}
legend{font-weight:600;padding:0 .25rem}
.choices{display:flex;flex-wrap:wrap;gap:.25rem .75rem}
.choices label{display:inline-flex;align-items:center;gap:.3rem;min-height:2rem;cursor:pointer}
.choices input{width:1.1rem;height:1.1rem;margin:0;accent-color:var(--accent)}
.feeds li{margin:.3rem 0}
.banner{background:var(--warn-bg);color:var(--warn-fg);border-left:.4rem solid currentColor;padding:.75rem 1rem;font-weight:600;margin:1rem 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;background:var(--box);padding:.75rem 1rem;border-radius:.5rem}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
.description{overflow-wrap:anywhere}
.description img{max-width:100%;height:auto}
.description table{border-collapse:collapse;display:block;overflow-x:auto}
.description td,.description th{border:1px solid var(--line);padding:.25rem .5rem}
.apply{background:var(--box);padding:1rem;border-radius:.5rem;margin-top:2rem}
.button{display:inline-block;background:var(--accent);color:var(--bg);padding:.6rem 1.1rem;border-radius:.4rem;text-decoration:none;font-weight:600}
footer{margin-top:3rem;border-top:1px solid var(--line);padding-top:1rem;color:var(--muted);font-size:.95rem}
@media (max-width:30rem){h1{font-size:1.5rem}.wrap{padding:.75rem 1rem 2rem}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}}

.subscribe{border:2px solid currentColor;border-radius:.5rem;padding:.25rem 1rem;margin:1.5rem 0}
.subscribe code{word-break:break-all;font-size:1rem}
.facts{margin:.25rem 0}
</style>
</head>
<body>
<a class="skip" href="#postes">Aller à la liste des postes</a>
<div class="wrap">
<header>
<h1><xsl:value-of select="$title"/></h1>
<p class="lead"><xsl:value-of select="atom:feed/atom:subtitle | rss/channel/description"/></p>
</header>
<main>
<section class="subscribe" aria-labelledby="abonnement">
<h2 id="abonnement">S&#39;abonner à ce flux</h2>
<p>Cette page est un flux : les nouveaux postes arrivent d&#39;eux-mêmes dans votre lecteur de flux, sans compte ni e-mail.</p>
<p><xsl:if test="$self">Copiez cette adresse dans votre lecteur de flux : <code><xsl:value-of select="$self"/></code></xsl:if></p>
<p class="muted">Par exemple Feedly, Inoreader, NetNewsWire, Thunderbird ou le lecteur de votre navigateur.</p>
<xsl:if test="$home"><p><a><xsl:attribute name="href"><xsl:value-of select="$home"/></xsl:attribute>Voir les postes sur le site</a></p></xsl:if>
</section>
<section id="postes" aria-labelledby="postes-titre">
<h2 id="postes-titre">Dans ce flux</h2>
<xsl:if test="not(atom:feed/atom:entry | rss/channel/item)"><p>Aucune entrée pour le moment.</p></xsl:if>
<ul class="roles">
<xsl:for-each select="atom:feed/atom:entry">
<xsl:call-template name="role">
<xsl:with-param name="title" select="atom:title"/>
<xsl:with-param name="href" select="atom:link[not(@rel) or @rel='alternate'][1]/@href"/>
<xsl:with-param name="html" select="atom:content"/>
<xsl:with-param name="summary" select="atom:summary"/>
</xsl:call-template>
</xsl:for-each>
<xsl:for-each select="rss/channel/item">
<xsl:call-template name="role">
<xsl:with-param name="title" select="title"/>
<xsl:with-param name="href" select="link"/>
<xsl:with-param name="html" select="content:encoded | description[not(../content:encoded)]"/>
<xsl:with-param name="summary" select="description[../content:encoded]"/>
</xsl:call-template>
</xsl:for-each>
</ul>
</section>
</main>
<footer>Flux publié avec jobfeed.</footer>
</div>
</body>
</html>
</xsl:template>
</xsl:stylesheet>
