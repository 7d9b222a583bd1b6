#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1795388800.983362	CvlmYZehSzWLTeggGP	127.0.0.1	45654	127.0.0.1	25	1	client.example.test	alice@example.test	grey@example.test,root@example.test	Sun, 22 Nov 2026 23:06:40 +0000	alice@example.test	grey@example.test,root@example.test	-	-	<20261122230640.014873@vm>	-	test Sun, 22 Nov 2026 23:06:40 +0000	-	-	-	250 2.0.0 Ok: queued as 0CEF3A7245F	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:Mb0Gq8+6RZ9jYGobbqa3tSu1LQU=
1795388801.155549	CmSGYeshOSzQYR7iDv	127.0.0.1	45658	127.0.0.1	25	1	client.example.test	alice@example.test	grey@example.test	-	-	-	-	-	-	-	-	-	-	-	221 2.0.0 Bye	127.0.0.1,127.0.0.1	-	F	(empty)	1:R59dpZBwW3fIyLLFfraQagOGrOQ=
1795388801.238471	CGHBGijnUizBEZNx4j	127.0.0.1	45670	127.0.0.1	25	1	client.example.test	alice@example.test	nosuch1@example.test,nosuch2@example.test,root@example.test	-	-	-	-	-	-	-	-	-	-	-	421 4.7.0 mail.example.test Error: too many errors	127.0.0.1,127.0.0.1	-	F	(empty)	1:J9FpqKhIKCW1hhib1OeddONzMLo=
1795388801.602084	CHWBKM8IeL7Z0JafXs	127.0.0.1	45686	127.0.0.1	25	1	client.example.test	alice@example.test	root@example.test	Sun, 22 Nov 2026 23:06:41 +0000	alice@example.test	root@example.test	-	-	<20261122230641.014883@vm>	-	killed mid-DATA	-	-	-	354 End data with <CR><LF>.<CR><LF>	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:WWVCXWjD2YE8IN1dggi3HIUD0Wc=
#close	XXXX-XX-XX-XX-XX-XX
