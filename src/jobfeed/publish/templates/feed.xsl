<?xml version="1.0" encoding="UTF-8"?>
<!-- jobfeed {{ version }}: shows an Atom or RSS feed of jobfeed as a page when a browser opens it.
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
<html lang="{{ lang }}">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<meta name="robots" content="noindex"/>
<link rel="icon" href="data:,"/>
<title><xsl:value-of select="$title"/> · {{ t.feed }}</title>
<style>
{{ style }}
.subscribe{border:2px solid currentColor;border-radius:.5rem;padding:.25rem 1rem;margin:1.5rem 0}
.subscribe code{word-break:break-all;font-size:1rem}
.facts{margin:.25rem 0}
</style>
</head>
<body>
<a class="skip" href="#postes">{{ t.skip }}</a>
<div class="wrap">
<header>
<h1><xsl:value-of select="$title"/></h1>
<p class="lead"><xsl:value-of select="atom:feed/atom:subtitle | rss/channel/description"/></p>
</header>
<main>
<section class="subscribe" aria-labelledby="abonnement">
<h2 id="abonnement">{{ t.how }}</h2>
<p>{{ t.this_is }}</p>
<p><xsl:if test="$self">{{ t.copy_address }} <code><xsl:value-of select="$self"/></code></xsl:if></p>
<p class="muted">{{ t.readers }}</p>
<xsl:if test="$home"><p><a><xsl:attribute name="href"><xsl:value-of select="$home"/></xsl:attribute>{{ t.board }}</a></p></xsl:if>
</section>
<section id="postes" aria-labelledby="postes-titre">
<h2 id="postes-titre">{{ t.entries }}</h2>
<xsl:if test="not(atom:feed/atom:entry | rss/channel/item)"><p>{{ t.none }}</p></xsl:if>
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
<footer>{{ t.generated }}</footer>
</div>
</body>
</html>
</xsl:template>
</xsl:stylesheet>
