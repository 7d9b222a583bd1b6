#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1795388785.146018	CBQWpYHEbV7atyc0rF	127.0.0.1	35618	127.0.0.1	25	1	client.example.test	-	-	-	-	-	-	-	-	-	-	-	-	-	220 2.0.0 Ready to start TLS	127.0.0.1,127.0.0.1	-	T	(empty)	1:F9a0cLiEuTUIcu2oPJ2/gbgqv8Y=
1795388785.416577	CEQWJjrdBohKZpbpXA	127.0.0.1	35630	127.0.0.1	25	1	client.example.test	alice@example.test	root@example.test	Sun, 22 Nov 2026 23:06:25 +0000	alice@example.test	root@example.test	-	-	<20261122230625.014201@vm>	-	AUTH PLAIN in clear	-	-	-	250 2.0.0 Ok: queued as 66EF5A723BF	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:ebKPiimbfPP3C+qsbRhI8y2RXVQ=
1795388785.533247	CYD4SZw1uHEETiLb2O	127.0.0.1	35638	127.0.0.1	25	1	client.example.test	alice@example.test	postmaster@localhost	Sun, 22 Nov 2026 23:06:25 +0000	alice@example.test	postmaster@localhost	-	-	<20261122230625.014203@vm>	-	AUTH LOGIN in clear	-	-	-	250 2.0.0 Ok: queued as 835B1A723BF	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:qAbYZ4iFcsmfG5Zi5MEcr0drzH0=
1795388785.941054	CvzBUWcnEM3QAXgSFH	127.0.0.1	35656	127.0.0.1	25	1	client.example.test	-	-	-	-	-	-	-	-	-	-	-	-	-	220 2.0.0 Ready to start TLS	127.0.0.1,127.0.0.1	-	T	(empty)	1:iCqYKY33UnS83CCpWOHHjy9XA70=
#close	XXXX-XX-XX-XX-XX-XX
